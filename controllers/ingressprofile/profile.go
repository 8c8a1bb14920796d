// Package ingressprofile renders an instance's ingress settings for one ingress
// controller. Each profile writes only the annotations that its controller honours, and
// reports every setting it cannot enforce per Ingress, so that status reports the truth
// instead of implying protection that no component provides.
package ingressprofile

import (
	"fmt"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// Settings are an instance's effective ingress settings, after the controller's
// defaults, in a form no ingress controller has shaped yet.
type Settings struct {
	Namespace   string
	Name        string
	Hosts       []string
	Path        string
	ServiceName string
	ServicePort int32

	// TLSSecretName is the kubernetes.io/tls Secret to serve, empty for ACM.
	TLSSecretName string
	// CertificateARN is the ACM certificate for the ALB listener.
	CertificateARN string
	MinTLSVersion  platformv1alpha1.TLSVersion
	// Ciphers are OpenSSL cipher names for TLS 1.2.
	Ciphers []string

	HTTPSRedirect      bool
	HSTSMaxAgeSeconds  int64
	HSTSSubDomains     bool
	HSTSPreload        bool
	CSP                string
	FrameOptions       string
	RateLimitPerMinute int32
	MaxBodyBytes       int64

	// HeadersConfigMap names the ConfigMap, in Namespace, that holds the response
	// headers for profiles that read headers from a ConfigMap.
	HeadersConfigMap string

	ALBScheme    string
	ALBSSLPolicy string
	ALBWAFACLARN string
}

// ControllerConfig is the ingress controller's cluster-wide configuration, for
// profiles whose controller keeps some security settings outside the Ingress.
type ControllerConfig struct {
	// Found is false when the controller's ConfigMap does not exist, in which case the
	// controller's built-in defaults apply.
	Found bool
	// Namespace and Name locate the ConfigMap, for messages.
	Namespace string
	Name      string
	Data      map[string]string
}

// Finding reports whether one group of settings is enforced. Condition is one of the
// *Enforced condition types in api/v1alpha1.
type Finding struct {
	Condition string
	Enforced  bool
	Reason    string
	Message   string
}

// Rendering is a profile's contribution to the Ingress and its companion objects.
type Rendering struct {
	// Annotations go on the Ingress.
	Annotations map[string]string
	// ServeTLSSecret is true when the Ingress lists TLSSecretName in spec.tls. ALB
	// ignores that list for certificates, but still reads its hosts.
	ServeTLSSecret bool
	// Headers, when not nil, is the content of the HeadersConfigMap to create.
	Headers map[string]string
	// Findings has exactly one entry for each *Enforced condition.
	Findings []Finding
}

// Profile renders settings for one ingress controller.
type Profile interface {
	// ControllerName is the spec.controller value of the IngressClasses it serves.
	ControllerName() string
	// Render returns the annotations and findings for settings.
	Render(settings Settings, config ControllerConfig) Rendering
}

// For returns the profile for name, or an error naming the supported profiles. The
// CRD schema already limits the name, so an error here means a schema and code skew.
func For(name platformv1alpha1.IngressProfile) (Profile, error) {
	switch name {
	case platformv1alpha1.IngressProfileALB:
		return alb{}, nil
	case platformv1alpha1.IngressProfileNginx:
		return nginx{}, nil
	default:
		return nil, fmt.Errorf("unknown ingress profile %q: use alb or nginx", name)
	}
}

func enforced(condition, message string) Finding {
	return Finding{
		Condition: condition,
		Enforced:  true,
		Reason:    platformv1alpha1.ReasonEnforced,
		Message:   message,
	}
}

func notEnforced(condition, reason, message string) Finding {
	return Finding{Condition: condition, Reason: reason, Message: message}
}

// hstsValue formats a Strict-Transport-Security header value.
func hstsValue(settings Settings) string {
	value := fmt.Sprintf("max-age=%d", settings.HSTSMaxAgeSeconds)
	if settings.HSTSSubDomains {
		value += "; includeSubDomains"
	}
	if settings.HSTSPreload {
		value += "; preload"
	}
	return value
}
