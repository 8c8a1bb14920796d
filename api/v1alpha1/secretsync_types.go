package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecretSync copies one AWS Secrets Manager secret into a Kubernetes Secret.
//
// The value lands in the target Secret in one of three shapes. With key alone, the
// whole value goes under key. With key and property, one JSON property goes under key.
// With fanOut, every top-level property of a JSON object goes under its own name.
// +kubebuilder:validation:XValidation:rule="has(self.key) != (has(self.fanOut) && self.fanOut)",message="set either key or fanOut: true"
// +kubebuilder:validation:XValidation:rule="!has(self.property) || has(self.key)",message="property needs key, the Secret key that receives the property's value"
type SecretSync struct {
	// name identifies the entry in status, events and error messages.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// secretName is the Kubernetes Secret that receives the value, in the instance's
	// namespace. The operator creates it and will not take over a Secret it did not
	// create.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName"`

	// remoteRef names the Secrets Manager secret and the version to read.
	// +required
	RemoteRef RemoteSecretReference `json:"remoteRef"`

	// key is the Secret key that receives the value, or the selected property.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`

	// property selects one value inside a JSON secret. Dots separate nested keys, and
	// a backslash escapes a dot that belongs to a key: "db.primary\.eu.password"
	// reads {"db": {"primary.eu": {"password": ...}}}. A string property is copied as
	// is; a number, boolean, object or array is copied as its JSON text.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Property string `json:"property,omitempty"`

	// fanOut copies every top-level property of a JSON object into a key of the same
	// name.
	// +optional
	FanOut bool `json:"fanOut,omitempty"`

	// refreshInterval is how often the operator checks for a new version. Default: 1h.
	// The operator spreads checks with a random jitter of up to a tenth of the interval.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="must be at least 1m"
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
}

// RemoteSecretReference names a Secrets Manager secret and one of its versions.
// +kubebuilder:validation:XValidation:rule="!(has(self.versionStage) && has(self.versionID))",message="set versionStage or versionID, not both"
type RemoteSecretReference struct {
	// secretID is the secret's name or full ARN.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	SecretID string `json:"secretID"`

	// versionStage selects the version by staging label. Default: AWSCURRENT.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	VersionStage string `json:"versionStage,omitempty"`

	// versionID selects one version by its id, which never changes value.
	// +optional
	// +kubebuilder:validation:MinLength=32
	// +kubebuilder:validation:MaxLength=64
	VersionID string `json:"versionID,omitempty"`
}

// SecretSyncStatus is the observed state of one spec.secrets entry. It never holds
// any part of the value.
type SecretSyncStatus struct {
	// name is the spec.secrets entry this status describes.
	Name string `json:"name"`

	// secretName is the Kubernetes Secret written for the entry.
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// versionID is the Secrets Manager version last copied.
	// +optional
	VersionID string `json:"versionID,omitempty"`

	// lastSyncTime is when the operator last copied a new version, or recovered from a
	// failure. Checks that find the version unchanged leave it alone, so they cost no
	// status write.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// reason is a CamelCase word for why the last attempt failed, empty on success.
	// +optional
	Reason string `json:"reason,omitempty"`

	// message explains a failure and names the field to change.
	// +optional
	Message string `json:"message,omitempty"`
}
