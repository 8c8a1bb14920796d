package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;patch

// LabelGuarded marks a namespace whose Ingresses, NetworkPolicies, RBAC objects and
// ServiceAccounts the admission webhooks judge. The operator sets it on every namespace
// that holds a LeadpoetAPI; others may opt in by setting it themselves.
const LabelGuarded = "platform.leadpoet.io/guarded"

// reconcileNamespaceGuard labels the instance's namespace as guarded before any child
// exists, so that no window opens in which a weakened child escapes the webhooks.
func (r *Reconciler) reconcileNamespaceGuard(ctx context.Context, s *state) error {
	desired := corev1ac.Namespace(s.api.Namespace).WithLabels(map[string]string{LabelGuarded: "true"})
	found, wrote, err := applyIfChanged(ctx, r.Client, types.NamespacedName{Name: s.api.Namespace},
		&corev1.Namespace{}, desired, corev1acExtractNamespace)
	if wrote {
		log.FromContext(ctx).Info("Labelled the namespace as guarded", "label", LabelGuarded)
	}
	// The namespace is not a child, so it records no Created or Updated event.
	if err != nil {
		return r.recordApply(ctx, s, "Namespace label", found, false, err)
	}
	return nil
}

// releaseNamespaceGuard gives up the operator's guarded label once the namespace holds
// no LeadpoetAPI. Applying no labels releases only the operator's ownership, so a label
// that a user set to opt in stays.
func (r *Reconciler) releaseNamespaceGuard(ctx context.Context, namespace string) error {
	var remaining platformv1alpha1.LeadpoetAPIList
	if err := r.Client.List(ctx, &remaining, client.InNamespace(namespace), client.Limit(1)); err != nil {
		return fmt.Errorf("listing LeadpoetAPIs in namespace %s: %w", namespace, err)
	}
	if len(remaining.Items) > 0 {
		return nil
	}
	live := &corev1.Namespace{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: namespace}, live); err != nil {
		return client.IgnoreNotFound(err)
	}
	owned, err := corev1ac.ExtractNamespace(live, FieldManager)
	if err != nil {
		return fmt.Errorf("reading fields owned by %s in namespace %s: %w", FieldManager, namespace, err)
	}
	if owned.Labels == nil {
		return nil
	}
	if err := r.Client.Apply(ctx, corev1ac.Namespace(namespace), client.FieldOwner(FieldManager),
		client.ForceOwnership); err != nil {
		return fmt.Errorf("releasing the guarded label of namespace %s: %w", namespace, err)
	}
	log.FromContext(ctx).Info("Released the guarded label of an empty namespace", "namespace", namespace)
	return nil
}
