package integration

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

var _ = Describe("Drift", func() {
	ctx := context.Background()

	It("restores a hand-edited Deployment", func() {
		api := create(nginxAPI(newNamespace(), "drift"))
		waitReady(api)
		deployment := &appsv1.Deployment{}
		Eventually(func(g Gomega) { getChild(g, api, deployment) }).Should(Succeed())

		deployment.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
		deployment.Spec.Template.Spec.AutomountServiceAccountToken = ptr.To(true)
		Expect(k8s.Update(ctx, deployment, client.FieldOwner("kubectl-edit"))).To(Succeed())

		Eventually(func(g Gomega) {
			restored := &appsv1.Deployment{}
			getChild(g, api, restored)
			g.Expect(restored.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem).
				To(Equal(ptr.To(true)))
			g.Expect(restored.Spec.Template.Spec.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		}).Should(Succeed())
	})

	It("replaces a pod template changed to fail the restricted standard", func() {
		api := create(nginxAPI(newNamespace(), "tampered"))
		waitReady(api)
		deployment := &appsv1.Deployment{}
		Eventually(func(g Gomega) { getChild(g, api, deployment) }).Should(Succeed())

		// Fields the operator does not own survive a server-side apply, so these would
		// stay without the repair.
		template := &deployment.Spec.Template.Spec
		template.HostNetwork = true
		template.Volumes = append(template.Volumes, corev1.Volume{Name: "host",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		template.Containers = append(template.Containers, corev1.Container{
			Name: "debug", Image: "registry.example.com/debug:1",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
		})
		Expect(k8s.Update(ctx, deployment, client.FieldOwner("kubectl-edit"))).To(Succeed())

		Eventually(func(g Gomega) {
			restored := &appsv1.Deployment{}
			getChild(g, api, restored)
			g.Expect(restored.Spec.Template.Spec.HostNetwork).To(BeFalse())
			g.Expect(restored.Spec.Template.Spec.Containers).To(HaveLen(1))
			g.Expect(restored.Spec.Template.Spec.Volumes).To(ConsistOf(HaveField("Name", "tmp")))
		}).Should(Succeed())
		waitReady(api)
	})

	It("restores a hand-edited Ingress annotation", func() {
		api := create(nginxAPI(newNamespace(), "ingressdrift"))
		waitReady(api)
		ingress := &networkingv1.Ingress{}
		Eventually(func(g Gomega) { getChild(g, api, ingress) }).Should(Succeed())
		ingress.Annotations["nginx.ingress.kubernetes.io/limit-rpm"] = "100000"
		Expect(k8s.Update(ctx, ingress, client.FieldOwner("kubectl-edit"))).To(Succeed())

		Eventually(func(g Gomega) {
			restored := &networkingv1.Ingress{}
			getChild(g, api, restored)
			g.Expect(restored.Annotations).To(HaveKeyWithValue("nginx.ingress.kubernetes.io/limit-rpm", "600"))
		}).Should(Succeed())
	})

	It("recreates a deleted Service and headers ConfigMap", func() {
		api := create(nginxAPI(newNamespace(), "deleted"))
		waitReady(api)
		headers := &corev1.ConfigMap{}
		headers.Name = "deleted-security-headers"
		for _, child := range []client.Object{&corev1.Service{}, headers} {
			Eventually(func(g Gomega) { getChild(g, api, child, nameOr(child, api.Name)) }).Should(Succeed())
			uid := child.GetUID()
			Expect(k8s.Delete(ctx, child)).To(Succeed())
			Eventually(func(g Gomega) {
				getChild(g, api, child, nameOr(child, api.Name))
				g.Expect(child.GetUID()).NotTo(Equal(uid), describe(child))
			}).Should(Succeed())
		}
	})
})

var _ = Describe("Validation by the API server", func() {
	ctx := context.Background()

	DescribeTable("rejects an invalid spec with the field path",
		func(mutate func(*platformv1alpha1.LeadpoetAPI), fieldPath string) {
			api := nginxAPI(newNamespace(), "invalid")
			mutate(api)
			err := k8s.Create(ctx, api)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(fieldPath))
		},
		Entry("malformed role ARN", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::12345:role/short-account"
		}, "spec.serviceAccount.roleARN"),
		Entry("user ARN instead of a role", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::123456789012:user/alice"
		}, "spec.serviceAccount.roleARN"),
		Entry("negative replicas", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Workload.Replicas = ptr.To(int32(-1))
		}, "spec.workload.replicas"),
		Entry("missing image", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Workload.Image = ""
		}, "spec.workload.image"),
		Entry("unknown ingress profile", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.Profile = "traefik"
		}, "spec.ingress.profile"),
		Entry("privileged container port", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Workload.ContainerPort = ptr.To(int32(80))
		}, "spec.workload.containerPort"),
		Entry("two certificate sources", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.SecretName = "also-a-secret"
		}, "spec.ingress.tls"),
		Entry("ACM certificate on nginx", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS = &platformv1alpha1.TLSSpec{
				CertificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d",
			}
		}, "spec.ingress"),
		Entry("egress CIDR that is not a CIDR", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{
				Name: "bad", To: []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.300/8"}},
				Ports: []platformv1alpha1.EgressPort{{Port: 443}},
			}}
		}, "spec.networkPolicy.egress[0].to[0].cidr"),
		Entry("egress peer with nothing selected", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{
				Name: "everything", To: []platformv1alpha1.NetworkPeer{{}},
				Ports: []platformv1alpha1.EgressPort{{Port: 443}},
			}}
		}, "spec.networkPolicy.egress[0].to[0]"),
		Entry("egress rule without ports", func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{
				Name: "noports", To: []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/8"}},
			}}
		}, "spec.networkPolicy.egress[0].ports"),
	)
})

var _ = Describe("Status", func() {
	ctx := context.Background()

	It("tracks the generation as the spec changes", func() {
		api := create(nginxAPI(newNamespace(), "generations"))
		current := waitReady(api)
		Expect(current.Status.ObservedGeneration).To(Equal(int64(1)))

		updateSpec(api, func(spec *platformv1alpha1.LeadpoetAPISpec) {
			spec.Ingress.Hosts = []string{"generations.example.org"}
		})
		current = waitReady(api)
		Expect(current.Status.ObservedGeneration).To(Equal(int64(2)))
		Expect(current.Status.URL).To(Equal("https://generations.example.org/"))
	})

	It("stalls a weak spec that reached the API server without the webhook", func() {
		// The webhooks never judge kube-public, which plays the part of a webhook that
		// was down or bypassed. The controller applies the same rules and will not
		// render a weaker Ingress. Only a spec change helps, so it stalls.
		api := nginxAPI("kube-public", "bypassed")
		api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
		create(api)
		DeferCleanup(func() { Expect(k8s.Delete(ctx, api)).To(Succeed()) })
		current := waitForCondition(api, platformv1alpha1.ConditionStalled, metav1.ConditionTrue)
		Expect(current.Status.ObservedGeneration).To(Equal(int64(1)))
		Expect(condition(current, platformv1alpha1.ConditionStalled).Message).To(
			ContainSubstring("spec.ingress.tls.minVersion"))
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		Expect(condition(current, platformv1alpha1.ConditionReconciling).Status).To(Equal(metav1.ConditionFalse))
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(api), &networkingv1.Ingress{})
		}, time.Second).ShouldNot(Succeed())
	})

	It("writes nothing when a reconcile finds everything in place", func() {
		namespace := newNamespace()
		api := create(nginxAPI(namespace, "steady"))
		waitReady(api)
		// Let the reconciles that the children's own creation started finish.
		Eventually(func() map[string]int { return writesInNamespace(namespace) }).
			Should(Not(BeEmpty()))
		before := writesInNamespace(namespace)
		Consistently(func() map[string]int { return writesInNamespace(namespace) }, 2*time.Second).
			Should(Equal(before))

		// A change to a child by someone else starts a reconcile that reads every
		// child, as a resync does.
		reconciles := reconcileCount()
		service := &corev1.Service{}
		Eventually(func(g Gomega) { getChild(g, api, service) }).Should(Succeed())
		if service.Annotations == nil {
			service.Annotations = map[string]string{}
		}
		service.Annotations["monitoring.example.com/scrape"] = "true"
		Expect(k8s.Update(ctx, service, client.FieldOwner("monitoring"))).To(Succeed())

		Eventually(reconcileCount).Should(BeNumerically(">", reconciles))
		Consistently(func() map[string]int { return writesInNamespace(namespace) }, 2*time.Second).
			Should(Equal(before))
	})
})

// nameOr returns obj's name when set, else fallback.
func nameOr(obj client.Object, fallback string) string {
	if obj.GetName() != "" {
		return obj.GetName()
	}
	return fallback
}

var _ = Describe("Namespace guard", func() {
	ctx := context.Background()

	It("labels the namespace, restores a removed label and releases it with the last instance", func() {
		namespace := newNamespace()
		api := create(nginxAPI(namespace, "guard"))
		waitReady(api)
		guarded := func(g Gomega) map[string]string {
			ns := &corev1.Namespace{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: namespace}, ns)).To(Succeed())
			return ns.Labels
		}
		Eventually(guarded).Should(HaveKeyWithValue("platform.leadpoet.io/guarded", "true"))

		ns := &corev1.Namespace{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: namespace}, ns)).To(Succeed())
		delete(ns.Labels, "platform.leadpoet.io/guarded")
		Expect(k8s.Update(ctx, ns, client.FieldOwner("kubectl-label"))).To(Succeed())
		Eventually(guarded).Should(HaveKeyWithValue("platform.leadpoet.io/guarded", "true"))

		Expect(k8s.Delete(ctx, api)).To(Succeed())
		Eventually(guarded).ShouldNot(HaveKey("platform.leadpoet.io/guarded"))
	})
})
