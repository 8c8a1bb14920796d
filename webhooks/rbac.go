package webhooks

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// The RBAC webhooks skip system: objects and the bootstrap roles in a matchCondition as
// well as in Go, so kube-apiserver can reconcile them while the operator is down.
// Roles and RoleBindings are checked in guarded namespaces; ClusterRoles and
// ClusterRoleBindings everywhere, because namespaceSelector does not apply to
// cluster-scoped objects and a ClusterRole can be bound in a guarded namespace.
// +kubebuilder:webhook:path=/validate-rbac-authorization-k8s-io-v1-role,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=rbac.authorization.k8s.io,resources=roles,verbs=create;update,versions=v1,name=vrole.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"platform.leadpoet.io/guarded","operator":"In","values":["true"]},{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]},"matchConditions":[{"name":"skip-kubernetes-rbac","expression":"!object.metadata.name.startsWith('system:') && !(object.metadata.name in ['cluster-admin', 'admin', 'edit', 'view'])"}]}`
// +kubebuilder:webhook:path=/validate-rbac-authorization-k8s-io-v1-rolebinding,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=create;update,versions=v1,name=vrolebinding.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"platform.leadpoet.io/guarded","operator":"In","values":["true"]},{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]},"matchConditions":[{"name":"skip-kubernetes-rbac","expression":"!object.metadata.name.startsWith('system:') && !(object.metadata.name in ['cluster-admin', 'admin', 'edit', 'view'])"}]}`
// +kubebuilder:webhook:path=/validate-rbac-authorization-k8s-io-v1-clusterrole,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=create;update,versions=v1,name=vclusterrole.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"matchConditions":[{"name":"skip-kubernetes-rbac","expression":"!object.metadata.name.startsWith('system:') && !(object.metadata.name in ['cluster-admin', 'admin', 'edit', 'view'])"}]}`
// +kubebuilder:webhook:path=/validate-rbac-authorization-k8s-io-v1-clusterrolebinding,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=rbac.authorization.k8s.io,resources=clusterrolebindings,verbs=create;update,versions=v1,name=vclusterrolebinding.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"matchConditions":[{"name":"skip-kubernetes-rbac","expression":"!object.metadata.name.startsWith('system:') && !(object.metadata.name in ['cluster-admin', 'admin', 'edit', 'view'])"}]}`

// RoleValidator applies policy.ValidateRole.
type RoleValidator struct {
	auditor auditor
}

var _ admission.Validator[*rbacv1.Role] = &RoleValidator{}

// ValidateCreate checks a new Role.
func (v *RoleValidator) ValidateCreate(ctx context.Context, role *rbacv1.Role) (admission.Warnings, error) {
	errs, warnings := policy.ValidateRole(role)
	return v.auditor.verdict(ctx, role, roleKind, errs, warnings)
}

// ValidateUpdate checks changed rules as new ones.
func (v *RoleValidator) ValidateUpdate(ctx context.Context, old, updated *rbacv1.Role) (admission.Warnings, error) {
	errs, warnings := policy.ValidateRoleUpdate(old, updated)
	return v.auditor.verdict(ctx, updated, roleKind, errs, warnings)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *RoleValidator) ValidateDelete(context.Context, *rbacv1.Role) (admission.Warnings, error) {
	return nil, nil
}

// ClusterRoleValidator applies policy.ValidateClusterRole.
type ClusterRoleValidator struct {
	lookup  policy.RBACLookup
	auditor auditor
}

var _ admission.Validator[*rbacv1.ClusterRole] = &ClusterRoleValidator{}

// ValidateCreate checks a new ClusterRole and, when it aggregates, the roles it selects.
func (v *ClusterRoleValidator) ValidateCreate(ctx context.Context,
	role *rbacv1.ClusterRole) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateClusterRole(ctx, role, v.lookup)
	return v.auditor.lookupVerdict(ctx, role, clusterRoleKind, errs, warnings, err)
}

// ValidateUpdate checks changed rules or selectors as new ones.
func (v *ClusterRoleValidator) ValidateUpdate(ctx context.Context,
	old, updated *rbacv1.ClusterRole) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateClusterRoleUpdate(ctx, old, updated, v.lookup)
	return v.auditor.lookupVerdict(ctx, updated, clusterRoleKind, errs, warnings, err)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *ClusterRoleValidator) ValidateDelete(context.Context, *rbacv1.ClusterRole) (admission.Warnings, error) {
	return nil, nil
}

// RoleBindingValidator applies policy.ValidateRoleBinding.
type RoleBindingValidator struct {
	lookup  policy.RBACLookup
	auditor auditor
}

var _ admission.Validator[*rbacv1.RoleBinding] = &RoleBindingValidator{}

// ValidateCreate checks a new RoleBinding's subjects against the role it grants.
func (v *RoleBindingValidator) ValidateCreate(ctx context.Context,
	binding *rbacv1.RoleBinding) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateRoleBinding(ctx, binding, v.lookup)
	return v.auditor.lookupVerdict(ctx, binding, roleBindingKind, errs, warnings, err)
}

// ValidateUpdate checks changed subjects as new ones. The role reference is immutable.
func (v *RoleBindingValidator) ValidateUpdate(ctx context.Context,
	old, updated *rbacv1.RoleBinding) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateRoleBindingUpdate(ctx, old, updated, v.lookup)
	return v.auditor.lookupVerdict(ctx, updated, roleBindingKind, errs, warnings, err)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *RoleBindingValidator) ValidateDelete(context.Context, *rbacv1.RoleBinding) (admission.Warnings, error) {
	return nil, nil
}

// ClusterRoleBindingValidator applies policy.ValidateClusterRoleBinding.
type ClusterRoleBindingValidator struct {
	lookup  policy.RBACLookup
	auditor auditor
}

var _ admission.Validator[*rbacv1.ClusterRoleBinding] = &ClusterRoleBindingValidator{}

// ValidateCreate checks a new ClusterRoleBinding's subjects against the role it grants.
func (v *ClusterRoleBindingValidator) ValidateCreate(ctx context.Context,
	binding *rbacv1.ClusterRoleBinding) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateClusterRoleBinding(ctx, binding, v.lookup)
	return v.auditor.lookupVerdict(ctx, binding, clusterRoleBindingKind, errs, warnings, err)
}

// ValidateUpdate checks changed subjects as new ones. The role reference is immutable.
func (v *ClusterRoleBindingValidator) ValidateUpdate(ctx context.Context,
	old, updated *rbacv1.ClusterRoleBinding) (admission.Warnings, error) {
	errs, warnings, err := policy.ValidateClusterRoleBindingUpdate(ctx, old, updated, v.lookup)
	return v.auditor.lookupVerdict(ctx, updated, clusterRoleBindingKind, errs, warnings, err)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *ClusterRoleBindingValidator) ValidateDelete(context.Context,
	*rbacv1.ClusterRoleBinding) (admission.Warnings, error) {
	return nil, nil
}

// lookupVerdict is verdict for rules that read the cluster. A failed lookup rejects the
// request, as failurePolicy=Fail would if the webhook were unreachable, and is logged
// as an error; the API server returns its message to the client.
func (a *auditor) lookupVerdict(ctx context.Context, obj client.Object, kind schema.GroupKind,
	errs field.ErrorList, warnings []string, err error) (admission.Warnings, error) {
	if err != nil {
		log.FromContext(ctx).Error(err, "Failed to read the cluster state a rule needs")
		return nil, err
	}
	return a.verdict(ctx, obj, kind, errs, warnings)
}
