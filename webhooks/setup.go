// Package webhooks holds the validating admission webhooks that apply the rules of
// package policy to LeadpoetAPIs, Ingresses, NetworkPolicies, ServiceAccounts and RBAC
// objects.
package webhooks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// The webhooks read LeadpoetAPIs to find instance ServiceAccounts and owners, roles to
// judge bindings and aggregation, and namespaces to see whether one is terminating.
// +kubebuilder:rbac:groups=platform.leadpoet.io,resources=leadpoetapis,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;clusterroles,verbs=get;list
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// EventReporter is the name under which the webhooks record Events.
const EventReporter = "leadpoet-admission"

// Options configures the webhooks. The namespaces they guard are set in the webhook
// configuration (config/webhook), not here.
type Options struct {
	// OperatorUsername is the user the operator's own requests carry, such as
	// system:serviceaccount:leadpoet-system:leadpoet-operator. Required.
	OperatorUsername string

	// AllowedAccounts lists the AWS account IDs whose IAM roles instances may use.
	// Empty allows every account.
	AllowedAccounts []string

	// AllowedPartitions lists the AWS partitions whose IAM roles instances may use.
	// Empty allows every partition.
	AllowedPartitions []string

	// MaxEgressPortRange is the maximum number of ports one egress port range may span.
	// Zero means policy.DefaultMaxEgressPortRange.
	MaxEgressPortRange int32

	// GarbageCollectorUsernames may delete managed objects whose owner is gone.
	// Nil means policy.DefaultGarbageCollectorUsername.
	GarbageCollectorUsernames []string

	// NamespaceControllerUsernames may delete managed objects in a terminating
	// namespace. Nil means policy.DefaultNamespaceControllerUsername.
	NamespaceControllerUsernames []string

	// ALBIngressClassNames are the IngressClasses of the AWS Load Balancer Controller.
	// Nil means "alb".
	ALBIngressClassNames []string

	// Reader reads the cluster state the rules look up. Nil means the manager's API
	// reader, which reads from the API server without starting informers.
	Reader client.Reader

	// EventRecorder records rejections. Nil means the manager's recorder named
	// EventReporter.
	EventRecorder events.EventRecorder
}

// PolicyConfig returns the policy.Config that these options describe, with defaults
// filled in. The controller can use it to apply the same rules.
func (o Options) PolicyConfig() policy.Config {
	cfg := policy.DefaultConfig()
	cfg.OperatorUsername = o.OperatorUsername
	cfg.AllowedAccounts = o.AllowedAccounts
	cfg.AllowedPartitions = o.AllowedPartitions
	if o.MaxEgressPortRange != 0 {
		cfg.MaxEgressPortRange = o.MaxEgressPortRange
	}
	if o.GarbageCollectorUsernames != nil {
		cfg.GarbageCollectorUsernames = o.GarbageCollectorUsernames
	}
	if o.NamespaceControllerUsernames != nil {
		cfg.NamespaceControllerUsernames = o.NamespaceControllerUsernames
	}
	if o.ALBIngressClassNames != nil {
		cfg.ALBIngressClassNames = o.ALBIngressClassNames
	}
	return cfg
}

// SetupWebhooksWithManager registers every validating webhook with mgr's webhook
// server. The manager's scheme must hold the platform.leadpoet.io types and the
// Kubernetes core, networking and RBAC types.
func SetupWebhooksWithManager(mgr ctrl.Manager, opts Options) error {
	cfg := opts.PolicyConfig()
	if err := cfg.Check(); err != nil {
		return fmt.Errorf("invalid webhook options: %w", err)
	}
	reader := opts.Reader
	if reader == nil {
		reader = mgr.GetAPIReader()
	}
	recorder := opts.EventRecorder
	if recorder == nil {
		recorder = mgr.GetEventRecorder(EventReporter)
	}
	lookup := clusterLookup{reader: reader}
	audit := auditor{recorder: recorder}

	registrations := []struct {
		kind     string
		register func() error
	}{
		{"LeadpoetAPI", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &platformv1alpha1.LeadpoetAPI{}).
				WithValidator(&LeadpoetAPIValidator{config: cfg, auditor: audit}).Complete()
		}},
		{"Ingress", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &networkingv1.Ingress{}).
				WithValidator(&IngressValidator{config: cfg, auditor: audit}).Complete()
		}},
		{"NetworkPolicy", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &networkingv1.NetworkPolicy{}).
				WithValidator(&NetworkPolicyValidator{config: cfg, owners: lookup, auditor: audit}).Complete()
		}},
		{"ServiceAccount", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &corev1.ServiceAccount{}).
				WithValidator(&ServiceAccountValidator{config: cfg, auditor: audit}).Complete()
		}},
		{"Role", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &rbacv1.Role{}).
				WithValidator(&RoleValidator{auditor: audit}).Complete()
		}},
		{"ClusterRole", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &rbacv1.ClusterRole{}).
				WithValidator(&ClusterRoleValidator{lookup: lookup, auditor: audit}).Complete()
		}},
		{"RoleBinding", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &rbacv1.RoleBinding{}).
				WithValidator(&RoleBindingValidator{lookup: lookup, auditor: audit}).Complete()
		}},
		{"ClusterRoleBinding", func() error {
			return ctrl.NewWebhookManagedBy(mgr, &rbacv1.ClusterRoleBinding{}).
				WithValidator(&ClusterRoleBindingValidator{lookup: lookup, auditor: audit}).Complete()
		}},
	}
	for _, registration := range registrations {
		if err := registration.register(); err != nil {
			return fmt.Errorf("register the %s webhook: %w", registration.kind, err)
		}
	}
	return nil
}
