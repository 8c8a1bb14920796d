package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// envtest runs no kube-controller-manager, so these tests impersonate its garbage
// collector and namespace controller to send the deletes those loops would send.
var _ = Describe("Cleanup by the controller-manager", func() {
	ctx := context.Background()

	// readyPolicy creates an instance in namespace and returns its NetworkPolicy once
	// the operator has created it.
	readyPolicy := func(namespace, name string) (*platformv1alpha1.LeadpoetAPI, *networkingv1.NetworkPolicy) {
		GinkgoHelper()
		api := create(nginxAPI(namespace, name))
		policy := &networkingv1.NetworkPolicy{}
		Eventually(func(g Gomega) { getChild(g, api, policy) }).Should(Succeed())
		return api, policy
	}

	It("lets the garbage collector delete a policy whose owner is gone", func() {
		api, policy := readyPolicy(newNamespace(), "orphan")
		garbageCollector := clientAs(garbageCollectorUser)

		err := garbageCollector.Delete(ctx, policy)
		expectVerdict(err, forbidden(networkPolicyWebhook, forbiddenByRule,
			"it can be deleted only after the LeadpoetAPI is deleted",
			"metadata.labels[app.kubernetes.io/managed-by]"))

		Expect(k8s.Delete(ctx, api)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(api), &platformv1alpha1.LeadpoetAPI{}))
		}).Should(BeTrue())
		Expect(garbageCollector.Delete(ctx, policy)).To(Succeed())
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy))).To(BeTrue())
	})

	It("lets any user delete a policy whose owner was deleted with --cascade=orphan", func() {
		api, policy := readyPolicy(newNamespace(), "orphaned")
		tenant := clientAs("")

		err := tenant.Delete(ctx, policy)
		expectVerdict(err, forbidden(networkPolicyWebhook, forbiddenByRule,
			`its owner LeadpoetAPI "orphaned" still exists; change that LeadpoetAPI instead, or delete it`,
			"metadata.labels[app.kubernetes.io/managed-by]"))

		// envtest runs no garbage collector to remove the orphan finalizer, so the
		// LeadpoetAPI stays, being deleted, which the webhook treats as gone.
		Expect(k8s.Delete(ctx, api, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
		Eventually(func(g Gomega) {
			deleting := &platformv1alpha1.LeadpoetAPI{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(api), deleting)).To(Succeed())
			g.Expect(deleting.DeletionTimestamp).NotTo(BeNil())
		}).Should(Succeed())

		// The policy stays the operator's to change, even with its owner gone.
		err = tenant.Update(ctx, withLabel(policy, "team", "shop"))
		expectVerdict(err, rejected(networkPolicyWebhook, forbiddenByRule,
			"only the operator may update it", "metadata.labels[app.kubernetes.io/managed-by]"))

		Expect(tenant.Delete(ctx, policy)).To(Succeed())
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy))).To(BeTrue())
	})

	It("lets the namespace controller delete a policy in a terminating namespace", func() {
		namespace := newNamespace()
		_, policy := readyPolicy(namespace, "evicted")
		namespaceController := clientAs(namespaceControllerUser)

		err := namespaceController.Delete(ctx, policy)
		expectVerdict(err, forbidden(networkPolicyWebhook, forbiddenByRule,
			"belongs to a LeadpoetAPI that still exists", "metadata.labels[app.kubernetes.io/managed-by]"))

		// Without a namespace controller the namespace stays Terminating with the
		// instance still in it, which is the state in which the real controller
		// deletes the namespace's contents.
		Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})).To(Succeed())
		Expect(namespaceController.Delete(ctx, policy)).To(Succeed())
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy))).To(BeTrue())
	})
})

// withLabel returns a copy of policy with one more label.
func withLabel(policy *networkingv1.NetworkPolicy, key, value string) *networkingv1.NetworkPolicy {
	labelled := policy.DeepCopy()
	labelled.Labels[key] = value
	return labelled
}

var _ = Describe("Operator writes under the webhooks", func() {
	ctx := context.Background()

	It("restores a policy widened while unguarded", func() {
		namespace := newNamespace()
		api := create(nginxAPI(namespace, "restored"))
		original := &networkingv1.NetworkPolicy{}
		Eventually(func(g Gomega) { getChild(g, api, original) }).Should(Succeed())
		tenantClient := clientAs("")

		// With the guarded label gone no webhook judges the namespace, so a tenant can
		// open the policy to every destination. The loop removes the label again if a
		// reconcile still in flight restored it, and waits for kube-apiserver's
		// namespace informer, which namespaceSelector is matched against, to see it gone.
		waitReady(api)
		ns := &corev1.Namespace{}
		Eventually(func() error {
			if err := updateWithRetry(tenantClient, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}},
				func(obj client.Object) {
					labels := obj.GetLabels()
					delete(labels, "platform.leadpoet.io/guarded")
					obj.SetLabels(labels)
				}); err != nil {
				return err
			}
			return updateWithRetry(tenantClient, original.DeepCopy(), func(obj client.Object) {
				obj.(*networkingv1.NetworkPolicy).Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
			})
		}).Should(Succeed())

		// The edit wakes the controller, which labels the namespace again and writes the
		// policy back. Whether kube-apiserver's cache already has the label when that write
		// arrives is a race, so the operator entries of the table, not this test, show
		// the webhook admitting the operator's writes.
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Name: namespace}, ns)).To(Succeed())
			g.Expect(ns.Labels).To(HaveKeyWithValue("platform.leadpoet.io/guarded", "true"))
			restored := &networkingv1.NetworkPolicy{}
			getChild(g, api, restored)
			g.Expect(restored.Spec.Egress).To(Equal(original.Spec.Egress))
		}).Should(Succeed())

		err := updateWithRetry(tenantClient, original.DeepCopy(), func(obj client.Object) {
			obj.(*networkingv1.NetworkPolicy).Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
		})
		expectVerdict(err, rejected(networkPolicyWebhook, "", "list the destinations",
			"metadata.labels[app.kubernetes.io/managed-by]", "spec.egress[0].to"))
	})

	It("changes the role of its ServiceAccount", func() {
		api := create(nginxAPI(newNamespace(), "rotated"))
		account := &corev1.ServiceAccount{}
		Eventually(func(g Gomega) { getChild(g, api, account) }).Should(Succeed())

		// The tenant may not set the annotation, but the operator sets it from the spec.
		err := updateWithRetry(clientAs(""), account, setAnnotationTo("eks.amazonaws.com/role-arn",
			"arn:aws:iam::123456789012:role/rotated-next"))
		expectVerdict(err, rejected(serviceAccountWebhook, invalidValue,
			"change spec.serviceAccount.roleARN of the LeadpoetAPI instead",
			"metadata.annotations[eks.amazonaws.com/role-arn]"))

		Expect(updateWithRetry(k8s, api.DeepCopy(), func(obj client.Object) {
			obj.(*platformv1alpha1.LeadpoetAPI).Spec.ServiceAccount.RoleARN =
				"arn:aws:iam::123456789012:role/rotated-next"
		})).To(Succeed())
		Eventually(func(g Gomega) {
			getChild(g, api, account)
			g.Expect(account.Annotations).To(HaveKeyWithValue("eks.amazonaws.com/role-arn",
				"arn:aws:iam::123456789012:role/rotated-next"))
		}).Should(Succeed())
	})
})
