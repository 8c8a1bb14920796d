package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LeadpoetAPIStatus is the state of an instance as the operator last observed it.
type LeadpoetAPIStatus struct {
	// observedGeneration is the metadata.generation that the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are kstatus-style conditions: Ready summarises; Reconciling and
	// Stalled follow kstatus; the others report one concern each.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// url is the HTTPS address of the API, built from the first host and the path.
	// +optional
	URL string `json:"url,omitempty"`

	// replicaSummary is "available/desired" pods of the Deployment.
	// +optional
	ReplicaSummary string `json:"replicaSummary,omitempty"`

	// children names the objects the operator manages for this instance.
	// +optional
	Children ChildObjects `json:"children,omitempty"`

	// effective holds the settings in force after the controller's defaults.
	// +optional
	Effective *EffectiveSettings `json:"effective,omitempty"`

	// secrets reports each spec.secrets entry.
	// +optional
	// +listType=map
	// +listMapKey=name
	Secrets []SecretSyncStatus `json:"secrets,omitempty"`
}

// ChildObjects names the objects that belong to an instance, all in its namespace.
type ChildObjects struct {
	// deployment is the Deployment's name.
	// +optional
	Deployment string `json:"deployment,omitempty"`
	// service is the Service's name.
	// +optional
	Service string `json:"service,omitempty"`
	// serviceAccount is the ServiceAccount's name.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// ingress is the Ingress's name, empty without spec.ingress.
	// +optional
	Ingress string `json:"ingress,omitempty"`
	// networkPolicy is the NetworkPolicy's name.
	// +optional
	NetworkPolicy string `json:"networkPolicy,omitempty"`
	// certificate is the cert-manager Certificate's name, empty without an issuerRef.
	// +optional
	Certificate string `json:"certificate,omitempty"`
}

// EffectiveSettings are the settings in force once the controller's defaults apply.
type EffectiveSettings struct {
	// replicas is the Deployment's desired replicas, or nil when left to an autoscaler.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// containerPort is the port the container listens on.
	ContainerPort int32 `json:"containerPort"`
	// profile is the ingress profile.
	// +optional
	Profile IngressProfile `json:"profile,omitempty"`
	// ingressClassName is the IngressClass used.
	// +optional
	IngressClassName string `json:"ingressClassName,omitempty"`
	// minTLSVersion is the lowest TLS version requested of the ingress controller.
	// +optional
	MinTLSVersion TLSVersion `json:"minTLSVersion,omitempty"`
	// hstsMaxAgeSeconds is the HSTS max age requested.
	// +optional
	HSTSMaxAgeSeconds int64 `json:"hstsMaxAgeSeconds,omitempty"`
	// rateLimitPerMinute is the requested rate limit per client address.
	// +optional
	RateLimitPerMinute int32 `json:"rateLimitPerMinute,omitempty"`
	// maxRequestBodyBytes is the requested request body limit in bytes.
	// +optional
	MaxRequestBodyBytes int64 `json:"maxRequestBodyBytes,omitempty"`
}

// Condition types. Ready is True when every child is applied and in sync and no
// concern blocks the instance. WorkloadAvailable, CertificateReady and the *Enforced
// conditions report on things other controllers act on, so they inform without
// holding Ready back.
const (
	// ConditionReady summarises the instance for kstatus and kubectl wait.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator works towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the spec cannot be reconciled without a change.
	ConditionStalled = "Stalled"
	// ConditionWorkloadAvailable mirrors the Deployment's Available condition.
	ConditionWorkloadAvailable = "WorkloadAvailable"
	// ConditionIngressReady is True when the Ingress is applied for a known class.
	ConditionIngressReady = "IngressReady"
	// ConditionNetworkPolicyReady is True when the NetworkPolicy is applied and admits
	// at least one ingress peer.
	ConditionNetworkPolicyReady = "NetworkPolicyReady"
	// ConditionCertificateReady mirrors the cert-manager Certificate's Ready condition.
	ConditionCertificateReady = "CertificateReady"
	// ConditionTLSPolicyEnforced is True when the ingress controller enforces TLS 1.3
	// only and the requested HSTS header.
	ConditionTLSPolicyEnforced = "TLSPolicyEnforced"
	// ConditionRequestLimitsEnforced is True when the rate limit and the body size
	// limit are enforced in front of the pods.
	ConditionRequestLimitsEnforced = "RequestLimitsEnforced"
	// ConditionSecurityHeadersEnforced is True when the ingress controller adds the
	// Content-Security-Policy, X-Frame-Options and X-Content-Type-Options headers.
	ConditionSecurityHeadersEnforced = "SecurityHeadersEnforced"
	// ConditionSecretsSynced is True when every spec.secrets entry holds its current
	// value.
	ConditionSecretsSynced = "SecretsSynced"
)

// Condition reasons, shared by conditions and Events.
const (
	// ReasonReconciled means every child is applied and in sync.
	ReasonReconciled = "Reconciled"
	// ReasonProgressing means the operator is applying a new generation.
	ReasonProgressing = "Progressing"
	// ReasonInvalidSpec means the spec cannot be rendered; the message names the field.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonApplyFailed means the API server rejected a child object.
	ReasonApplyFailed = "ApplyFailed"
	// ReasonNotConfigured means the spec does not ask for this concern.
	ReasonNotConfigured = "NotConfigured"
	// ReasonIngressClassNotFound means the named IngressClass does not exist.
	ReasonIngressClassNotFound = "IngressClassNotFound"
	// ReasonIngressClassMismatch means the IngressClass belongs to another controller.
	ReasonIngressClassMismatch = "IngressClassMismatch"
	// ReasonNoIngressPeers means no peer may reach the pods, so the API is unreachable.
	ReasonNoIngressPeers = "NoIngressPeers"
	// ReasonEnforced means the ingress controller enforces the setting.
	ReasonEnforced = "Enforced"
	// ReasonNotEnforced means the ingress controller does not enforce the setting.
	ReasonNotEnforced = "NotEnforced"
	// ReasonControllerConfigNotFound means the ingress controller's ConfigMap is
	// missing, so its built-in defaults apply.
	ReasonControllerConfigNotFound = "ControllerConfigNotFound"
	// ReasonAvailable means the Deployment has its minimum available pods.
	ReasonAvailable = "Available"
	// ReasonUnavailable means the Deployment lacks available pods.
	ReasonUnavailable = "Unavailable"
	// ReasonPending means another controller has not reported yet.
	ReasonPending = "Pending"
	// ReasonSyncFailed means at least one spec.secrets entry could not be synced; the
	// last good value stays in place.
	ReasonSyncFailed = "SyncFailed"
	// ReasonCertManagerMissing means the cluster does not serve cert-manager's
	// Certificate kind, so spec.ingress.tls.issuerRef cannot be honoured.
	ReasonCertManagerMissing = "CertManagerMissing"
)
