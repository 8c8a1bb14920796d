package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LeadpoetAPISpec is the desired state of one instance of the Leadpoet intent model API.
//
// No optional field carries an API-server default: the stored spec stays exactly what the
// user or the GitOps tool applied, so a sync shows no diff. The controller applies the
// defaults named in each field comment and reports the effective values in status.
type LeadpoetAPISpec struct {
	// workload describes the pods that serve the API.
	// +required
	Workload WorkloadSpec `json:"workload"`

	// ingress describes how the API is exposed outside the cluster. Without it the
	// instance is reachable only through its Service.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// networkPolicy describes which peers may reach the pods and where the pods may
	// connect. Traffic that no rule names is denied in both directions.
	// +optional
	NetworkPolicy NetworkPolicySpec `json:"networkPolicy,omitempty"`

	// serviceAccount describes the pods' identity, including the IAM role that IRSA
	// binds to it.
	// +optional
	ServiceAccount ServiceAccountSpec `json:"serviceAccount,omitempty"`

	// secrets lists values copied from AWS Secrets Manager into Kubernetes Secrets that
	// the instance owns. Each entry is read with the instance's own IAM role.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Secrets []SecretSync `json:"secrets,omitempty"`
}

// WorkloadSpec describes the Deployment that runs the API.
type WorkloadSpec struct {
	// image is the container image reference, preferably pinned by digest.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image"`

	// replicas is the number of pods. Default: 2. Leave it unset when a
	// HorizontalPodAutoscaler scales the Deployment, so that the operator does not
	// fight over the field.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// containerPort is the TCP port the API listens on inside the pod. Default: 8080.
	// Ports below 1024 need privileges that the restricted Pod Security Standard forbids.
	// +optional
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=65535
	ContainerPort *int32 `json:"containerPort,omitempty"`

	// healthPath is the HTTP path that the liveness and readiness probes request.
	// Default: /healthz.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/_.~-]*$`
	HealthPath string `json:"healthPath,omitempty"`

	// resources are the container's compute requests and limits. Default: requests of
	// 100m CPU and 128Mi memory, and a 512Mi memory limit.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// env lists environment variables set in the container.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=128
	Env []corev1.EnvVar `json:"env,omitempty"`

	// envFrom lists sources of environment variables for the container.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// podLabels are added to the pod template. They cannot replace the labels that the
	// operator selects pods by.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// podAnnotations are added to the pod template. Keys that loosen the pod's
	// confinement (AppArmor and seccomp annotations) or that the operator sets itself
	// (platform.leadpoet.io/) are rejected.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !k.startsWith('seccomp.security.alpha.kubernetes.io/') && !k.startsWith('platform.leadpoet.io/'))",message="AppArmor, seccomp and platform.leadpoet.io/ annotations are not allowed: the operator sets the pod's confinement and its own annotations"
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// nodeSelector constrains the nodes the pods run on.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// tolerations let the pods run on tainted nodes.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// affinity sets node and pod affinity rules for the pods. The operator always adds a
	// zone topology spread constraint of its own.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// automountServiceAccountToken mounts a Kubernetes API token into the pods. Default:
	// false, because the API does not call the Kubernetes API. The IRSA web identity
	// token is mounted separately by the EKS pod identity webhook and needs no setting
	// here.
	// +optional
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

// IngressProfile names the ingress controller that serves an instance. Each profile
// renders only the settings that its controller honours.
// +kubebuilder:validation:Enum=alb;nginx
type IngressProfile string

const (
	// IngressProfileALB is the AWS Load Balancer Controller, the default on EKS.
	IngressProfileALB IngressProfile = "alb"

	// IngressProfileNginx is ingress-nginx. Its TLS protocols and HSTS are
	// controller-wide settings, which the operator reads and reports on.
	IngressProfileNginx IngressProfile = "nginx"
)

// TLSVersion is a minimum TLS protocol version.
// +kubebuilder:validation:Enum="1.2";"1.3"
type TLSVersion string

const (
	// TLSVersion12 allows TLS 1.2 and 1.3.
	TLSVersion12 TLSVersion = "1.2"

	// TLSVersion13 allows TLS 1.3 only.
	TLSVersion13 TLSVersion = "1.3"
)

// FrameOptions is the value of the X-Frame-Options response header.
// +kubebuilder:validation:Enum=DENY;SAMEORIGIN
type FrameOptions string

const (
	// FrameOptionsDeny forbids framing on every origin.
	FrameOptionsDeny FrameOptions = "DENY"

	// FrameOptionsSameOrigin allows framing by pages of the same origin only.
	FrameOptionsSameOrigin FrameOptions = "SAMEORIGIN"
)

// IngressSpec describes the Ingress in front of the API.
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.certificateARN) || !has(self.profile) || self.profile == 'alb'",message="tls.certificateARN is an ACM certificate and works only with profile alb"
// +kubebuilder:validation:XValidation:rule="!has(self.alb) || !has(self.profile) || self.profile == 'alb'",message="alb settings apply only to profile alb"
type IngressSpec struct {
	// profile names the ingress controller that serves this instance: alb (AWS Load
	// Balancer Controller) or nginx (ingress-nginx). Default: alb.
	// +optional
	Profile IngressProfile `json:"profile,omitempty"`

	// className is the IngressClass to use. Default: the profile name. The class must
	// exist and belong to the profile's controller.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClassName string `json:"className,omitempty"`

	// hosts are the DNS names the API is served on. Each one is covered by TLS.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Hosts []string `json:"hosts"`

	// path is the URL path prefix routed to the API. Default: /.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/_.~-]*$`
	Path string `json:"path,omitempty"`

	// tls selects the certificate and the protocol settings. It is required in practice:
	// the admission webhook rejects an ingress without it, and the controller stalls
	// such an instance instead of serving plain HTTP.
	// +optional
	TLS *TLSSpec `json:"tls,omitempty"`

	// httpsRedirect redirects plain HTTP requests to HTTPS. Default: true.
	// +optional
	HTTPSRedirect *bool `json:"httpsRedirect,omitempty"`

	// hsts sets the Strict-Transport-Security response header. Default: one year,
	// includeSubDomains and preload.
	// +optional
	HSTS *HSTSSpec `json:"hsts,omitempty"`

	// contentSecurityPolicy is the Content-Security-Policy response header. Default:
	// "default-src 'none'; frame-ancestors 'none'", which suits a JSON API.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[^,\r\n"]*$`
	ContentSecurityPolicy string `json:"contentSecurityPolicy,omitempty"`

	// frameOptions is the X-Frame-Options response header. Default: DENY.
	// +optional
	FrameOptions FrameOptions `json:"frameOptions,omitempty"`

	// rateLimitPerMinute is the number of requests per minute allowed from one client
	// address.
	// Default: 600.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	RateLimitPerMinute *int32 `json:"rateLimitPerMinute,omitempty"`

	// maxRequestBodySize is the largest request body accepted. Default: 1Mi.
	// +optional
	MaxRequestBodySize *resource.Quantity `json:"maxRequestBodySize,omitempty"`

	// alb holds settings that only the AWS Load Balancer Controller reads.
	// +optional
	ALB *ALBSpec `json:"alb,omitempty"`
}

// TLSSpec selects where the serving certificate comes from and which protocol
// versions and ciphers are accepted.
// +kubebuilder:validation:XValidation:rule="[has(self.issuerRef), has(self.secretName), has(self.certificateARN)].filter(x, x).size() == 1",message="set exactly one of issuerRef, secretName and certificateARN"
type TLSSpec struct {
	// issuerRef names a cert-manager Issuer or ClusterIssuer. The operator creates a
	// Certificate for the hosts and serves the Secret that cert-manager writes.
	// +optional
	IssuerRef *IssuerReference `json:"issuerRef,omitempty"`

	// secretName names an existing kubernetes.io/tls Secret in the instance's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName,omitempty"`

	// certificateARN is an AWS Certificate Manager certificate for the ALB listener.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`
	CertificateARN string `json:"certificateARN,omitempty"`

	// minVersion is the lowest TLS protocol version accepted. Default: "1.3". The
	// admission webhook rejects "1.2".
	// +optional
	MinVersion TLSVersion `json:"minVersion,omitempty"`

	// ciphers lists the TLS 1.2 cipher suites in OpenSSL names. They matter only where
	// minVersion is "1.2", because TLS 1.3 suites are fixed by the protocol. Default: the
	// ECDHE AEAD suites.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[A-Z0-9-]+$`
	Ciphers []string `json:"ciphers,omitempty"`
}

// IssuerReference names a cert-manager issuer.
type IssuerReference struct {
	// name is the issuer's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// kind is Issuer (in the instance's namespace) or ClusterIssuer. Default: Issuer.
	// +optional
	// +kubebuilder:validation:Enum=Issuer;ClusterIssuer
	Kind string `json:"kind,omitempty"`
}

// HSTSSpec sets the Strict-Transport-Security response header.
type HSTSSpec struct {
	// maxAgeSeconds is how long browsers remember to use HTTPS only. Default: 31536000
	// (one year). The admission webhook rejects less than one year.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=126144000
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`

	// includeSubDomains applies the policy to every subdomain. Default: true.
	// +optional
	IncludeSubDomains *bool `json:"includeSubDomains,omitempty"`

	// preload allows browsers to ship the host in their preload list. Default: true.
	// +optional
	Preload *bool `json:"preload,omitempty"`
}

// ALBSpec holds settings that only the AWS Load Balancer Controller reads.
type ALBSpec struct {
	// scheme is internet-facing or internal. Default: internal, because the API serves
	// B2B clients over private connectivity unless configured otherwise.
	// +optional
	// +kubebuilder:validation:Enum=internet-facing;internal
	Scheme string `json:"scheme,omitempty"`

	// sslPolicy is the ELB security policy of the HTTPS listener. Default:
	// ELBSecurityPolicy-TLS13-1-3-2021-06, which accepts TLS 1.3 only.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^ELBSecurityPolicy-[A-Za-z0-9-]+$`
	SSLPolicy string `json:"sslPolicy,omitempty"`

	// wafACLARN is an AWS WAFv2 web ACL attached to the load balancer. The ALB has no
	// rate limit or body size limit of its own, so those limits count as enforced only
	// when a web ACL is attached.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws(-[a-z]+)*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$`
	WAFACLARN string `json:"wafACLARN,omitempty"`

	// sourceCIDRs are the addresses the load balancer connects to pods from, normally
	// the VPC's subnets. The NetworkPolicy admits them on the container port when
	// networkPolicy.ingressFrom is empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="must be a CIDR such as 10.0.0.0/16"
	SourceCIDRs []string `json:"sourceCIDRs,omitempty"`
}

// NetworkPolicySpec describes the traffic allowed to and from the pods.
type NetworkPolicySpec struct {
	// ingressFrom lists the peers allowed to connect to the container port. Default: the
	// ingress controller's namespace for nginx, and alb.sourceCIDRs for alb.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	IngressFrom []NetworkPeer `json:"ingressFrom,omitempty"`

	// egress lists the destinations the pods may connect to, besides cluster DNS. The
	// admission webhook rejects a rule that reaches the instance metadata addresses,
	// and the controller excepts them from any CIDR that contains them.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Egress []EgressRule `json:"egress,omitempty"`
}

// NetworkPeer selects a set of addresses or pods.
// +kubebuilder:validation:XValidation:rule="has(self.cidr) || has(self.namespaceSelector) || has(self.podSelector)",message="set cidr, namespaceSelector or podSelector: an empty peer matches everything"
// +kubebuilder:validation:XValidation:rule="!has(self.cidr) || (!has(self.namespaceSelector) && !has(self.podSelector))",message="cidr cannot be combined with selectors"
type NetworkPeer struct {
	// cidr is an IPv4 or IPv6 address range.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="isCIDR(self)",message="must be a CIDR such as 10.0.0.0/16"
	CIDR string `json:"cidr,omitempty"`

	// namespaceSelector selects namespaces by label. Combined with podSelector, it
	// selects those pods in those namespaces.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// podSelector selects pods by label, in the instance's namespace unless
	// namespaceSelector is set.
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`
}

// EgressRule allows connections to one set of destinations on the listed ports.
type EgressRule struct {
	// name identifies the rule in status and in error messages.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// to lists the destinations.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	To []NetworkPeer `json:"to"`

	// ports lists the destination ports. A rule without ports would open every port, so
	// at least one is required.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Ports []EgressPort `json:"ports"`
}

// EgressPort is a destination port or port range.
// +kubebuilder:validation:XValidation:rule="!has(self.endPort) || self.endPort >= self.port",message="endPort must not be lower than port"
type EgressPort struct {
	// protocol is TCP, UDP or SCTP. Default: TCP.
	// +optional
	// +kubebuilder:validation:Enum=TCP;UDP;SCTP
	Protocol corev1.Protocol `json:"protocol,omitempty"`

	// port is the destination port, or the first port of a range.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// endPort is the last port of a range, inclusive.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	EndPort *int32 `json:"endPort,omitempty"`
}

// ServiceAccountSpec describes the pods' ServiceAccount and its IRSA binding.
type ServiceAccountSpec struct {
	// roleARN is the IAM role that the pods assume through IRSA, and that the operator
	// assumes to read this instance's secrets. Format:
	// arn:<partition>:iam::<12-digit account>:role/<optional path/><name>.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`
	RoleARN string `json:"roleARN,omitempty"`

	// stsRegionalEndpoints makes the AWS SDKs in the pods call the regional STS endpoint
	// instead of the global one. Default: true.
	// +optional
	STSRegionalEndpoints *bool `json:"stsRegionalEndpoints,omitempty"`

	// tokenExpirationSeconds is the lifetime of the projected web identity token.
	// Default: 86400 (the EKS pod identity webhook's own default).
	// +optional
	// +kubebuilder:validation:Minimum=3600
	// +kubebuilder:validation:Maximum=86400
	TokenExpirationSeconds *int64 `json:"tokenExpirationSeconds,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=lpapi,categories=leadpoet
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="TLS-Enforced",type=string,JSONPath=`.status.conditions[?(@.type=="TLSPolicyEnforced")].status`
// +kubebuilder:printcolumn:name="Host",type=string,JSONPath=`.spec.ingress.hosts[0]`
// +kubebuilder:printcolumn:name="Replicas",type=string,JSONPath=`.status.replicaSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// LeadpoetAPI is one instance of the Leadpoet intent model API. The operator turns it
// into a hardened Deployment, Service, ServiceAccount, Ingress, NetworkPolicy, optional
// cert-manager Certificate and synced Secrets.
type LeadpoetAPI struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state.
	// +required
	Spec LeadpoetAPISpec `json:"spec"`

	// status is the state the operator observed.
	// +optional
	Status LeadpoetAPIStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// LeadpoetAPIList is a list of LeadpoetAPI objects.
type LeadpoetAPIList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LeadpoetAPI `json:"items"`
}
