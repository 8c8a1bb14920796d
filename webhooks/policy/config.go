package policy

import "fmt"

// Label and annotation keys that the rules read.
const (
	// LabelManagedBy marks the objects the operator creates. Writes to managed
	// NetworkPolicies and ServiceAccounts are reserved to the operator.
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// ManagedByValue is the LabelManagedBy value of the operator's own objects.
	ManagedByValue = "leadpoet-operator"

	// LabelGuarded marks a namespace whose Ingresses, NetworkPolicies, ServiceAccounts
	// and RBAC objects the webhooks check. The controller sets it on every namespace
	// that holds a LeadpoetAPI, and a namespace owner may set it to opt in.
	LabelGuarded = "platform.leadpoet.io/guarded"

	// AnnotationWeakenReason on a LeadpoetAPI explains why an update weakens a
	// security setting. An update that weakens a setting is rejected unless this
	// annotation holds a new, non-empty reason.
	AnnotationWeakenReason = "platform.leadpoet.io/weaken-reason"

	// AnnotationRoleARN is the IRSA annotation that the EKS pod identity webhook reads
	// from a ServiceAccount.
	AnnotationRoleARN = "eks.amazonaws.com/role-arn"
)

// Default identities of the kube-controller-manager loops that delete the operator's
// children, as they appear when kube-controller-manager runs with
// --use-service-account-credentials (the kubeadm and EKS default). Without that flag
// both loops act as the user system:kube-controller-manager.
const (
	DefaultGarbageCollectorUsername    = "system:serviceaccount:kube-system:generic-garbage-collector"
	DefaultNamespaceControllerUsername = "system:serviceaccount:kube-system:namespace-controller"
)

// DefaultMaxEgressPortRange is the default maximum number of ports that one egress port
// range may span. Services that an API calls listen on one port or on a handful of
// adjacent ones, and a Kafka or Redis cluster fits in far fewer than 256. A wider range is
// usually "open everything above N" written as a range.
//
// NOTE: 256 is a judgement, not a measured bound; raise it with Config.MaxEgressPortRange
// where a dependency needs a wider range.
const DefaultMaxEgressPortRange int32 = 256

// Config holds the operator-wide settings that the rules depend on. The zero value
// allows every AWS account and partition, recognises no operator identity and uses
// DefaultMaxEgressPortRange.
type Config struct {
	// AllowedAccounts lists the 12-digit AWS account IDs whose IAM roles an instance may
	// assume. Empty allows every account.
	AllowedAccounts []string

	// AllowedPartitions lists the AWS partitions (aws, aws-cn, aws-us-gov, ...) whose IAM
	// roles an instance may assume. Empty allows every partition.
	AllowedPartitions []string

	// MaxEgressPortRange is the maximum number of ports one egress port range may span.
	// Zero means DefaultMaxEgressPortRange.
	MaxEgressPortRange int32

	// OperatorUsername is the Kubernetes username the operator's requests carry, such as
	// system:serviceaccount:leadpoet-system:leadpoet-operator. Only this user may update
	// or delete managed NetworkPolicies and change managed ServiceAccounts.
	OperatorUsername string

	// GarbageCollectorUsernames may delete a managed object once its LeadpoetAPI is gone
	// or being deleted.
	GarbageCollectorUsernames []string

	// NamespaceControllerUsernames may delete a managed object once its LeadpoetAPI is
	// gone or its namespace is terminating.
	NamespaceControllerUsernames []string

	// ALBIngressClassNames are the IngressClass names served by the AWS Load Balancer
	// Controller. An Ingress of these classes may take its certificate from the
	// alb.ingress.kubernetes.io/certificate-arn annotation instead of spec.tls.
	ALBIngressClassNames []string
}

// DefaultConfig returns a Config with the controller-manager identities and the alb
// IngressClass filled in. The caller still sets OperatorUsername.
func DefaultConfig() Config {
	return Config{
		MaxEgressPortRange:           DefaultMaxEgressPortRange,
		GarbageCollectorUsernames:    []string{DefaultGarbageCollectorUsername},
		NamespaceControllerUsernames: []string{DefaultNamespaceControllerUsername},
		ALBIngressClassNames:         []string{"alb"},
	}
}

// Check returns an error when the Config cannot be used to guard a cluster.
func (c Config) Check() error {
	if c.OperatorUsername == "" {
		return fmt.Errorf("operator username is missing; set it to the operator's " +
			"ServiceAccount user, such as system:serviceaccount:<namespace>:<name>")
	}
	if c.MaxEgressPortRange < 0 {
		return fmt.Errorf("max egress port range %d is invalid; set a positive number or 0 "+
			"for the default of %d", c.MaxEgressPortRange, DefaultMaxEgressPortRange)
	}
	for _, account := range c.AllowedAccounts {
		if !accountPattern.MatchString(account) {
			return fmt.Errorf("allowed account %q is invalid; use a 12-digit AWS account ID", account)
		}
	}
	for _, partition := range c.AllowedPartitions {
		if !partitionPattern.MatchString(partition) {
			return fmt.Errorf("allowed partition %q is invalid; use a name such as aws or aws-cn",
				partition)
		}
	}
	return nil
}

func (c Config) maxEgressPortRange() int32 {
	if c.MaxEgressPortRange <= 0 {
		return DefaultMaxEgressPortRange
	}
	return c.MaxEgressPortRange
}
