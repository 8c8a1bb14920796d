package webhooks

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// Group-kinds named in the Invalid errors the webhooks return.
var (
	leadpoetAPIKind        = platformv1alpha1.GroupVersion.WithKind("LeadpoetAPI").GroupKind()
	ingressKind            = schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}
	networkPolicyKind      = schema.GroupKind{Group: "networking.k8s.io", Kind: "NetworkPolicy"}
	roleKind               = schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "Role"}
	clusterRoleKind        = schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}
	roleBindingKind        = schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}
	clusterRoleBindingKind = schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}
	serviceAccountKind     = schema.GroupKind{Kind: "ServiceAccount"}
)

// joinLimited joins field paths for an Event note, naming at most five.
func joinLimited(paths []string) string {
	const limit = 5
	if len(paths) <= limit {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:limit], ", ") + " and more"
}
