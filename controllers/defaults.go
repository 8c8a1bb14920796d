package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/ingressprofile"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// Defaults applied by the controller. They live here, not in the CRD schema, so that
// the stored spec stays what the user applied and GitOps tools see no diff.
const (
	defaultReplicas           int32 = 2
	defaultContainerPort      int32 = 8080
	defaultHealthPath               = "/healthz"
	defaultPath                     = "/"
	defaultHSTSMaxAgeSeconds        = policy.MinHSTSMaxAgeSeconds
	defaultCSP                      = "default-src 'none'; frame-ancestors 'none'"
	defaultRateLimitPerMinute int32 = 600
	defaultALBScheme                = "internal"
	defaultALBSSLPolicy             = "ELBSecurityPolicy-TLS13-1-3-2021-06"
	defaultTokenExpiration    int64 = 86400
)

var (
	defaultMaxRequestBodySize = resource.MustParse("1Mi")

	// defaultCiphers are every suite the security rules accept. They only apply to
	// TLS 1.2, because TLS 1.3 fixes its own suites.
	defaultCiphers = policy.ModernCiphers

	defaultResources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("100m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceMemory: resource.MustParse("512Mi"),
		},
	}
)

// replicas returns the desired replicas, or nil when the spec leaves them to an
// autoscaler after the first rollout.
func replicas(api *platformv1alpha1.LeadpoetAPI) *int32 {
	return api.Spec.Workload.Replicas
}

func containerPort(api *platformv1alpha1.LeadpoetAPI) int32 {
	return valueOr(api.Spec.Workload.ContainerPort, defaultContainerPort)
}

func healthPath(api *platformv1alpha1.LeadpoetAPI) string {
	return stringOr(api.Spec.Workload.HealthPath, defaultHealthPath)
}

func profileOf(spec *platformv1alpha1.IngressSpec) platformv1alpha1.IngressProfile {
	if spec == nil || spec.Profile == "" {
		return platformv1alpha1.IngressProfileALB
	}
	return spec.Profile
}

func ingressClassName(spec *platformv1alpha1.IngressSpec) string {
	return stringOr(spec.ClassName, string(profileOf(spec)))
}

// ingressSettings resolves the spec's ingress section and its defaults into the
// controller-neutral settings that a profile renders.
func ingressSettings(api *platformv1alpha1.LeadpoetAPI) ingressprofile.Settings {
	spec := api.Spec.Ingress
	settings := ingressprofile.Settings{
		Namespace:          api.Namespace,
		Name:               api.Name,
		Hosts:              spec.Hosts,
		Path:               stringOr(spec.Path, defaultPath),
		ServiceName:        api.Name,
		ServicePort:        servicePort,
		MinTLSVersion:      platformv1alpha1.TLSVersion13,
		Ciphers:            defaultCiphers,
		HTTPSRedirect:      valueOr(spec.HTTPSRedirect, true),
		HSTSMaxAgeSeconds:  defaultHSTSMaxAgeSeconds,
		HSTSSubDomains:     true,
		HSTSPreload:        true,
		CSP:                stringOr(spec.ContentSecurityPolicy, defaultCSP),
		FrameOptions:       string(platformv1alpha1.FrameOptionsDeny),
		RateLimitPerMinute: valueOr(spec.RateLimitPerMinute, defaultRateLimitPerMinute),
		MaxBodyBytes:       defaultMaxRequestBodySize.Value(),
		HeadersConfigMap:   securityHeadersName(api),
		ALBScheme:          defaultALBScheme,
		ALBSSLPolicy:       defaultALBSSLPolicy,
	}
	if spec.FrameOptions != "" {
		settings.FrameOptions = string(spec.FrameOptions)
	}
	if spec.MaxRequestBodySize != nil {
		settings.MaxBodyBytes = spec.MaxRequestBodySize.Value()
	}
	if hsts := spec.HSTS; hsts != nil {
		settings.HSTSMaxAgeSeconds = valueOr(hsts.MaxAgeSeconds, defaultHSTSMaxAgeSeconds)
		settings.HSTSSubDomains = valueOr(hsts.IncludeSubDomains, true)
		settings.HSTSPreload = valueOr(hsts.Preload, true)
	}
	if tls := spec.TLS; tls != nil {
		settings.CertificateARN = tls.CertificateARN
		settings.TLSSecretName = tls.SecretName
		if tls.IssuerRef != nil {
			settings.TLSSecretName = certificateSecretName(api)
		}
		if tls.MinVersion != "" {
			settings.MinTLSVersion = tls.MinVersion
		}
		if len(tls.Ciphers) > 0 {
			settings.Ciphers = tls.Ciphers
		}
	}
	if alb := spec.ALB; alb != nil {
		settings.ALBScheme = stringOr(alb.Scheme, defaultALBScheme)
		settings.ALBSSLPolicy = stringOr(alb.SSLPolicy, defaultALBSSLPolicy)
		settings.ALBWAFACLARN = alb.WAFACLARN
	}
	return settings
}

// effectiveSettings reports the settings in force after defaults, for status.
func effectiveSettings(api *platformv1alpha1.LeadpoetAPI) *platformv1alpha1.EffectiveSettings {
	effective := &platformv1alpha1.EffectiveSettings{
		Replicas:      replicas(api),
		ContainerPort: containerPort(api),
	}
	if effective.Replicas == nil {
		defaulted := defaultReplicas
		effective.Replicas = &defaulted
	}
	if api.Spec.Ingress == nil {
		return effective
	}
	settings := ingressSettings(api)
	effective.Profile = profileOf(api.Spec.Ingress)
	effective.IngressClassName = ingressClassName(api.Spec.Ingress)
	effective.MinTLSVersion = settings.MinTLSVersion
	effective.HSTSMaxAgeSeconds = settings.HSTSMaxAgeSeconds
	effective.RateLimitPerMinute = settings.RateLimitPerMinute
	effective.MaxRequestBodyBytes = settings.MaxBodyBytes
	return effective
}

func valueOr[T any](value *T, fallback T) T {
	if value == nil {
		return fallback
	}
	return *value
}

func stringOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
