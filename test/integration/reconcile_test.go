package integration

import (
	"context"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

var _ = Describe("LeadpoetAPI reconciliation", func() {
	ctx := context.Background()

	It("creates every child, owned and labelled, without the instance's own labels", func() {
		namespace := newNamespace()
		api := nginxAPI(namespace, "intent")
		api.Labels = map[string]string{"argocd.argoproj.io/instance": "platform"}
		api.Annotations = map[string]string{"gitops.example.com/sync": "true"}
		create(api)
		api = waitReady(api)

		children := []client.Object{
			&appsv1.Deployment{}, &corev1.Service{}, &corev1.ServiceAccount{},
			&networkingv1.Ingress{}, &networkingv1.NetworkPolicy{},
		}
		for _, child := range children {
			Eventually(func(g Gomega) {
				getChild(g, api, child)
				expectOwnedBy(g, child, api)
				g.Expect(child.GetLabels()).NotTo(HaveKey("argocd.argoproj.io/instance"), describe(child))
				g.Expect(child.GetAnnotations()).NotTo(HaveKey("gitops.example.com/sync"), describe(child))
			}).Should(Succeed())
		}
		Eventually(func(g Gomega) {
			headers := &corev1.ConfigMap{}
			getChild(g, api, headers, "intent-security-headers")
			expectOwnedBy(g, headers, api)
			g.Expect(headers.Data).To(Equal(map[string]string{
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
				"X-Frame-Options":         "DENY",
				"X-Content-Type-Options":  "nosniff",
			}))

			certificate := &cmapi.Certificate{}
			getChild(g, api, certificate, "intent-tls")
			expectOwnedBy(g, certificate, api)
			g.Expect(certificate.Spec.DNSNames).To(Equal([]string{"intent.example.com"}))
			g.Expect(certificate.Spec.SecretName).To(Equal("intent-tls"))
			g.Expect(certificate.Spec.IssuerRef.Name).To(Equal("selfsigned"))
			g.Expect(certificate.Spec.IssuerRef.Kind).To(Equal("ClusterIssuer"))
		}).Should(Succeed())

		Expect(api.Status.Children).To(Equal(platformv1alpha1.ChildObjects{
			Deployment: "intent", Service: "intent", ServiceAccount: "intent",
			Ingress: "intent", NetworkPolicy: "intent", Certificate: "intent-tls",
		}))
		Expect(api.Status.URL).To(Equal("https://intent.example.com/"))
		Expect(api.Status.ReplicaSummary).To(Equal("0/2"))
		Expect(api.Status.Effective.ContainerPort).To(Equal(int32(8080)))
		Expect(*api.Status.Effective.Replicas).To(Equal(int32(2)))
	})

	It("binds the ServiceAccount to the IAM role without handing out API tokens", func() {
		api := create(nginxAPI(newNamespace(), "irsa"))
		Eventually(func(g Gomega) {
			account := &corev1.ServiceAccount{}
			getChild(g, api, account)
			g.Expect(account.Annotations).To(Equal(map[string]string{
				"eks.amazonaws.com/role-arn":               "arn:aws:iam::123456789012:role/irsa",
				"eks.amazonaws.com/sts-regional-endpoints": "true",
				"eks.amazonaws.com/token-expiration":       "86400",
			}))
			g.Expect(account.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		}).Should(Succeed())
	})

	It("rolls the pods when the IAM role changes", func() {
		api := create(nginxAPI(newNamespace(), "roll"))
		var firstHash string
		Eventually(func(g Gomega) {
			deployment := &appsv1.Deployment{}
			getChild(g, api, deployment)
			firstHash = deployment.Spec.Template.Annotations["platform.leadpoet.io/role-arn-hash"]
			g.Expect(firstHash).NotTo(BeEmpty())
		}).Should(Succeed())

		updateSpec(api, func(spec *platformv1alpha1.LeadpoetAPISpec) {
			spec.ServiceAccount.RoleARN = "arn:aws:iam::123456789012:role/path/to/roll-v2"
		})
		Eventually(func(g Gomega) {
			deployment := &appsv1.Deployment{}
			getChild(g, api, deployment)
			hash := deployment.Spec.Template.Annotations["platform.leadpoet.io/role-arn-hash"]
			g.Expect(hash).NotTo(BeEmpty())
			g.Expect(hash).NotTo(Equal(firstHash))
		}).Should(Succeed())
	})

	It("renders a pod spec that the API server admits under the restricted Pod Security Standard", func() {
		namespace := newNamespace()
		// The API server's own PodSecurity admission judges the pod, so the test
		// follows the standard as Kubernetes implements it.
		ns := &corev1.Namespace{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: namespace}, ns)).To(Succeed())
		ns.Labels["pod-security.kubernetes.io/enforce"] = "restricted"
		ns.Labels["pod-security.kubernetes.io/enforce-version"] = "latest"
		Expect(k8s.Update(ctx, ns)).To(Succeed())

		api := create(nginxAPI(namespace, "restricted"))
		deployment := &appsv1.Deployment{}
		Eventually(func(g Gomega) { getChild(g, api, deployment) }).Should(Succeed())

		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: namespace},
			Spec:       deployment.Spec.Template.Spec,
		}
		Expect(k8s.Create(ctx, pod, client.DryRunAll)).To(Succeed())

		container := deployment.Spec.Template.Spec.Containers[0]
		Expect(container.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
		Expect(container.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
		Expect(container.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
		Expect(container.VolumeMounts).To(ContainElement(HaveField("MountPath", "/tmp")))
		Expect(deployment.Spec.Template.Spec.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		Expect(deployment.Spec.Template.Spec.TopologySpreadConstraints).To(ContainElement(
			HaveField("TopologyKey", "topology.kubernetes.io/zone")))
		Expect(deployment.Spec.Strategy.RollingUpdate.MaxUnavailable).To(Equal(ptr.To(intstr.FromInt32(0))))

		// The same pod with one added capability is rejected, which shows the
		// namespace really enforces the standard.
		weakened := pod.DeepCopy()
		weakened.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		err := k8s.Create(ctx, weakened, client.DryRunAll)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected Forbidden, got %v", err)
	})

	It("leaves replicas to an autoscaler when the spec leaves them out", func() {
		api := create(nginxAPI(newNamespace(), "scaled"))
		deployment := &appsv1.Deployment{}
		Eventually(func(g Gomega) {
			getChild(g, api, deployment)
			g.Expect(deployment.Spec.Replicas).To(Equal(ptr.To(int32(2))))
		}).Should(Succeed())

		// An autoscaler writes the scale subresource.
		scale := &autoscalingScale{}
		scale.set(ctx, deployment, 5)

		// A later reconcile, started by a spec change, keeps the autoscaler's value.
		updateSpec(api, func(spec *platformv1alpha1.LeadpoetAPISpec) {
			spec.Workload.Image = "registry.example.com/intent-api:1.0.1"
		})
		Eventually(func(g Gomega) {
			getChild(g, api, deployment)
			g.Expect(deployment.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":1.0.1"))
		}).Should(Succeed())
		Expect(deployment.Spec.Replicas).To(Equal(ptr.To(int32(5))))
	})
})
