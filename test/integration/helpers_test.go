package integration

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

var nginxConfigMapKey = types.NamespacedName{Namespace: "ingress-nginx", Name: "ingress-nginx-controller"}

func strictNginxConfig() map[string]string {
	return map[string]string{
		"ssl-protocols":                   "TLSv1.3",
		"hsts":                            "true",
		"hsts-max-age":                    "31536000",
		"hsts-include-subdomains":         "true",
		"hsts-preload":                    "true",
		"global-allowed-response-headers": "Content-Security-Policy,X-Frame-Options,X-Content-Type-Options",
	}
}

// newNamespace creates a namespace for one test and deletes it afterwards. envtest
// runs no namespace controller, so the namespace only reaches Terminating, which is
// enough to keep tests apart.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "lpapi-"}}
	Expect(k8s.Create(context.Background(), ns)).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(context.Background(), ns))).To(Succeed())
	})
	return ns.Name
}

// nginxAPI returns an instance served by ingress-nginx with a cert-manager issuer.
func nginxAPI(namespace, name string) *platformv1alpha1.LeadpoetAPI {
	return &platformv1alpha1.LeadpoetAPI{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: platformv1alpha1.LeadpoetAPISpec{
			Workload: platformv1alpha1.WorkloadSpec{Image: "registry.example.com/intent-api:1.0.0"},
			Ingress: &platformv1alpha1.IngressSpec{
				Profile: platformv1alpha1.IngressProfileNginx,
				Hosts:   []string{name + ".example.com"},
				TLS: &platformv1alpha1.TLSSpec{
					IssuerRef: &platformv1alpha1.IssuerReference{Name: "selfsigned", Kind: "ClusterIssuer"},
				},
			},
			ServiceAccount: platformv1alpha1.ServiceAccountSpec{
				RoleARN: "arn:aws:iam::123456789012:role/" + name,
			},
		},
	}
}

// albAPI returns an instance served by the AWS Load Balancer Controller.
func albAPI(namespace, name string) *platformv1alpha1.LeadpoetAPI {
	api := nginxAPI(namespace, name)
	api.Spec.Ingress.Profile = platformv1alpha1.IngressProfileALB
	api.Spec.Ingress.TLS = &platformv1alpha1.TLSSpec{
		CertificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
	}
	api.Spec.Ingress.ALB = &platformv1alpha1.ALBSpec{SourceCIDRs: []string{"10.0.0.0/16"}}
	return api
}

func create(api *platformv1alpha1.LeadpoetAPI) *platformv1alpha1.LeadpoetAPI {
	GinkgoHelper()
	Expect(k8s.Create(context.Background(), api)).To(Succeed())
	return api
}

// fetch reads api's current state from the API server.
func fetch(g Gomega, api *platformv1alpha1.LeadpoetAPI) *platformv1alpha1.LeadpoetAPI {
	current := &platformv1alpha1.LeadpoetAPI{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(api), current)).To(Succeed())
	return current
}

// condition returns api's condition of conditionType, or an empty one.
func condition(api *platformv1alpha1.LeadpoetAPI, conditionType string) metav1.Condition {
	if found := meta.FindStatusCondition(api.Status.Conditions, conditionType); found != nil {
		return *found
	}
	return metav1.Condition{Type: conditionType}
}

// waitForCondition waits until api's status reports the current generation with
// conditionType at status, and returns the object.
func waitForCondition(api *platformv1alpha1.LeadpoetAPI, conditionType string,
	status metav1.ConditionStatus) *platformv1alpha1.LeadpoetAPI {
	GinkgoHelper()
	var current *platformv1alpha1.LeadpoetAPI
	Eventually(func(g Gomega) {
		current = fetch(g, api)
		g.Expect(current.Status.ObservedGeneration).To(Equal(current.Generation))
		found := condition(current, conditionType)
		g.Expect(found.Status).To(Equal(status), "%s: %s", found.Reason, found.Message)
		g.Expect(found.ObservedGeneration).To(Equal(current.Generation))
	}).Should(Succeed())
	return current
}

func waitReady(api *platformv1alpha1.LeadpoetAPI) *platformv1alpha1.LeadpoetAPI {
	GinkgoHelper()
	return waitForCondition(api, platformv1alpha1.ConditionReady, metav1.ConditionTrue)
}

// getChild reads the child of kind obj with api's name (or name, when given).
func getChild(g Gomega, api *platformv1alpha1.LeadpoetAPI, obj client.Object, name ...string) {
	key := types.NamespacedName{Namespace: api.Namespace, Name: api.Name}
	if len(name) > 0 {
		key.Name = name[0]
	}
	g.Expect(k8s.Get(context.Background(), key, obj)).To(Succeed())
}

// expectOwnedBy checks the controller owner reference and the operator's labels.
func expectOwnedBy(g Gomega, obj client.Object, api *platformv1alpha1.LeadpoetAPI) {
	g.Expect(obj.GetOwnerReferences()).To(ConsistOf(metav1.OwnerReference{
		APIVersion:         platformv1alpha1.GroupVersion.String(),
		Kind:               "LeadpoetAPI",
		Name:               api.Name,
		UID:                api.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}), "%T %s", obj, obj.GetName())
	g.Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "leadpoet-operator"))
	g.Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/instance", api.Name))
	g.Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/part-of", "leadpoet"))
}

// reconcileCount returns how many reconciles of LeadpoetAPIs have finished.
func reconcileCount() float64 {
	total, err := controlplane.ReconcileTotal("leadpoetapi")
	Expect(err).NotTo(HaveOccurred())
	return total
}

// writesInNamespace returns the manager's counted writes to objects in namespace.
func writesInNamespace(namespace string) map[string]int {
	result := map[string]int{}
	for key, count := range writes.Snapshot() {
		if strings.Contains(key, "/namespaces/"+namespace+"/") {
			result[key] = count
		}
	}
	return result
}

func describe(obj client.Object) string {
	return fmt.Sprintf("%T %s/%s", obj, obj.GetNamespace(), obj.GetName())
}

// updateSpec changes api's spec on the API server, retrying when the operator's status
// patch changed the object between the read and the write.
func updateSpec(api *platformv1alpha1.LeadpoetAPI, mutate func(*platformv1alpha1.LeadpoetAPISpec)) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := &platformv1alpha1.LeadpoetAPI{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(api), current); err != nil {
			return err
		}
		mutate(&current.Spec)
		return k8s.Update(context.Background(), current)
	})).To(Succeed())
}
