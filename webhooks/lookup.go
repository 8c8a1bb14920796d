package webhooks

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// ownerLookup reads the facts about an object's owner that the managed-object rules
// need.
type ownerLookup interface {
	// OwnerGone reports whether every LeadpoetAPI that owns obj is missing or being
	// deleted. An object without such an owner counts as orphaned, so it returns true.
	OwnerGone(ctx context.Context, obj client.Object) (bool, error)
	// NamespaceTerminating reports whether namespace is being deleted.
	NamespaceTerminating(ctx context.Context, namespace string) (bool, error)
}

// clusterLookup reads lookups from the API server. It implements policy.RBACLookup
// and ownerLookup.
type clusterLookup struct {
	reader client.Reader
}

var (
	_ policy.RBACLookup = clusterLookup{}
	_ ownerLookup       = clusterLookup{}
)

// InstanceAccounts lists the LeadpoetAPIs in namespace (every namespace when empty).
// An instance's ServiceAccount is the one its status names, or the instance's own name
// before the controller has reported one, which is the name the controller gives it.
func (l clusterLookup) InstanceAccounts(ctx context.Context, namespace string) ([]policy.InstanceAccount, error) {
	var list platformv1alpha1.LeadpoetAPIList
	if err := l.reader.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	accounts := make([]policy.InstanceAccount, 0, len(list.Items))
	for i := range list.Items {
		accounts = append(accounts, instanceAccount(&list.Items[i]))
	}
	return accounts, nil
}

func instanceAccount(api *platformv1alpha1.LeadpoetAPI) policy.InstanceAccount {
	name := api.Status.Children.ServiceAccount
	if name == "" {
		name = api.Name
	}
	secretNames := make([]string, 0, len(api.Spec.Secrets))
	for _, secret := range api.Spec.Secrets {
		secretNames = append(secretNames, secret.SecretName)
	}
	return policy.InstanceAccount{
		Namespace:   api.Namespace,
		Name:        name,
		Instance:    api.Name,
		SecretNames: secretNames,
	}
}

// RoleRules reads the Role or ClusterRole that ref names.
func (l clusterLookup) RoleRules(ctx context.Context, namespace string,
	ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, bool, error) {
	var rules []rbacv1.PolicyRule
	var err error
	switch ref.Kind {
	case "Role":
		var role rbacv1.Role
		err = l.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &role)
		rules = role.Rules
	case "ClusterRole":
		var role rbacv1.ClusterRole
		err = l.reader.Get(ctx, client.ObjectKey{Name: ref.Name}, &role)
		rules = role.Rules
	default:
		return nil, false, nil
	}
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return rules, true, nil
}

// ClusterRolesMatching lists the ClusterRoles that selector matches.
func (l clusterLookup) ClusterRolesMatching(ctx context.Context,
	selector metav1.LabelSelector) ([]rbacv1.ClusterRole, error) {
	parsed, err := metav1.LabelSelectorAsSelector(&selector)
	if err != nil {
		return nil, fmt.Errorf("parse label selector: %w", err)
	}
	var list rbacv1.ClusterRoleList
	if err := l.reader.List(ctx, &list, client.MatchingLabelsSelector{Selector: parsed}); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// OwnerGone looks up every LeadpoetAPI owner reference of obj. An owner whose UID
// differs from the reference is a new object of the same name, so the old owner is gone.
func (l clusterLookup) OwnerGone(ctx context.Context, obj client.Object) (bool, error) {
	for _, ref := range obj.GetOwnerReferences() {
		version, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil || ref.Kind != "LeadpoetAPI" || version.Group != platformv1alpha1.GroupVersion.Group {
			continue
		}
		var owner platformv1alpha1.LeadpoetAPI
		err = l.reader.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: ref.Name}, &owner)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("read owner LeadpoetAPI %s: %w", ref.Name, err)
		}
		if owner.UID == ref.UID && owner.DeletionTimestamp == nil {
			return false, nil
		}
	}
	return true, nil
}

// NamespaceTerminating reads namespace. A namespace that no longer exists counts as
// terminating.
func (l clusterLookup) NamespaceTerminating(ctx context.Context, namespace string) (bool, error) {
	var ns corev1.Namespace
	err := l.reader.Get(ctx, client.ObjectKey{Name: namespace}, &ns)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read namespace %s: %w", namespace, err)
	}
	return ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating, nil
}
