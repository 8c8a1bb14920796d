package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/leadpoet/leadpoet-operator/webhooks"
)

// Manifests as a user would apply them. NAMESPACE is replaced with the test's
// namespace.
const (
	weakIngressManifest = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: storefront
  namespace: NAMESPACE
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
`
	wildcardRoleManifest = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: everything
  namespace: NAMESPACE
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
`
	openEgressManifest = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-egress
  namespace: NAMESPACE
spec:
  podSelector: {}
  policyTypes: ["Egress"]
  egress:
  - {}
`
)

var _ = Describe("kubectl apply", Ordered, func() {
	var namespace, kubeconfig, home string

	BeforeAll(func() {
		namespace = guardedNamespace()
		home = GinkgoT().TempDir()
		config, err := tenantUser().KubeConfig()
		Expect(err).NotTo(HaveOccurred())
		kubeconfig = filepath.Join(home, "kubeconfig")
		Expect(os.WriteFile(kubeconfig, config, 0o600)).To(Succeed())
	})

	// kubectl runs envtest's kubectl as the tenant, with a HOME of its own so that its
	// discovery cache stays in the test's directory, and returns its combined output.
	kubectl := func(manifest string, args ...string) (string, error) {
		GinkgoHelper()
		path := filepath.Join(home, "manifest.yaml")
		Expect(os.WriteFile(path, []byte(strings.ReplaceAll(manifest, "NAMESPACE", namespace)), 0o600)).To(Succeed())
		args = append([]string{"--kubeconfig", kubeconfig, "apply", "-f", path}, args...)
		cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), args...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
		output, err := cmd.CombinedOutput()
		return string(output), err
	}

	// rejectionEvents lists the AdmissionRejected Events about the object name.
	rejectionEvents := func(g Gomega, name string) []eventsv1.Event {
		var list eventsv1.EventList
		g.Expect(k8s.List(context.Background(), &list, client.InNamespace(namespace))).To(Succeed())
		var found []eventsv1.Event
		for _, event := range list.Items {
			if event.Reason == webhooks.ReasonAdmissionRejected && event.Regarding.Name == name {
				found = append(found, event)
			}
		}
		return found
	}

	DescribeTable("server-side dry run rejects and stores nothing",
		func(manifest string, obj client.Object, fix string, fields ...string) {
			output, err := kubectl(manifest, "--dry-run=server")

			var exitErr *exec.ExitError
			Expect(err).To(BeAssignableToTypeOf(exitErr), output)
			Expect(err.(*exec.ExitError).ExitCode()).NotTo(BeZero(), output)
			// kubectl prints an Invalid status as its causes, one field path a line.
			Expect(output).To(ContainSubstring(`"` + obj.GetName() + `" is invalid`))
			for _, path := range fields {
				Expect(output).To(ContainSubstring(path))
			}
			Expect(output).To(ContainSubstring(fix))
			AddReportEntry("kubectl output", output)

			obj.SetNamespace(namespace)
			err = k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s exists after a dry run: %v", describe(obj), err)
			// The webhooks record Events asynchronously, so give a wrongly recorded one
			// time to arrive.
			Consistently(func(g Gomega) {
				g.Expect(rejectionEvents(g, obj.GetName())).To(BeEmpty())
			}, 2*time.Second, 200*time.Millisecond).Should(Succeed())
		},
		Entry("Ingress without redirect or TLS", weakIngressManifest,
			&networkingv1.Ingress{ObjectMeta: objectMeta("storefront")},
			"add it to the hosts of an entry in spec.tls",
			"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]", "spec.rules[0].host"),
		Entry("Role with wildcards", wildcardRoleManifest,
			&rbacv1.Role{ObjectMeta: objectMeta("everything")},
			"list the verbs the subject needs",
			"rules[0].verbs[0]", "rules[0].apiGroups[0]", "rules[0].resources[0]"),
		Entry("NetworkPolicy allowing all egress", openEgressManifest,
			&networkingv1.NetworkPolicy{ObjectMeta: objectMeta("allow-all-egress")},
			"list the destinations", "spec.egress[0].to"),
	)

	// The real apply shows that the Event check above can see an Event at all.
	It("records an Event when not a dry run", func() {
		output, err := kubectl(openEgressManifest)
		Expect(err).To(HaveOccurred(), output)
		Expect(output).To(ContainSubstring("spec.egress[0].to"))
		Eventually(func(g Gomega) {
			events := rejectionEvents(g, "allow-all-egress")
			g.Expect(events).To(HaveLen(1))
			g.Expect(events[0].Note).To(ContainSubstring("CREATE by tenant-admin rejected"))
		}).Should(Succeed())
	})
})

func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name}
}
