package policy

import (
	"k8s.io/apimachinery/pkg/api/resource"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// Effective values of unset LeadpoetAPI fields, as the field comments in api/v1alpha1
// state them. The update rules compare effective values, so that removing a field that
// held the default is not mistaken for a change.
const (
	defaultHSTSMaxAgeSeconds           = MinHSTSMaxAgeSeconds
	defaultHSTSIncludeSubDomains       = true
	defaultHSTSPreload                 = true
	defaultHTTPSRedirect               = true
	defaultMinTLSVersion               = platformv1alpha1.TLSVersion13
	defaultALBScheme                   = "internal"
	defaultRateLimitPerMinute    int32 = 600
	defaultFrameOptions                = platformv1alpha1.FrameOptionsDeny
	defaultAutomountToken              = false
)

var defaultMaxRequestBodySize = resource.MustParse("1Mi")

func effectiveHSTS(spec *platformv1alpha1.IngressSpec) (maxAge int64, subDomains, preload bool) {
	maxAge, subDomains, preload = defaultHSTSMaxAgeSeconds, defaultHSTSIncludeSubDomains,
		defaultHSTSPreload
	if spec.HSTS == nil {
		return maxAge, subDomains, preload
	}
	if spec.HSTS.MaxAgeSeconds != nil {
		maxAge = *spec.HSTS.MaxAgeSeconds
	}
	return maxAge, boolOr(spec.HSTS.IncludeSubDomains, subDomains),
		boolOr(spec.HSTS.Preload, preload)
}

func effectiveMinTLSVersion(spec *platformv1alpha1.IngressSpec) platformv1alpha1.TLSVersion {
	if spec.TLS == nil || spec.TLS.MinVersion == "" {
		return defaultMinTLSVersion
	}
	return spec.TLS.MinVersion
}

func effectiveALBScheme(spec *platformv1alpha1.IngressSpec) string {
	if spec.ALB == nil || spec.ALB.Scheme == "" {
		return defaultALBScheme
	}
	return spec.ALB.Scheme
}

func effectiveRateLimit(spec *platformv1alpha1.IngressSpec) int32 {
	if spec.RateLimitPerMinute == nil {
		return defaultRateLimitPerMinute
	}
	return *spec.RateLimitPerMinute
}

func effectiveMaxRequestBodySize(spec *platformv1alpha1.IngressSpec) resource.Quantity {
	if spec.MaxRequestBodySize == nil {
		return defaultMaxRequestBodySize
	}
	return *spec.MaxRequestBodySize
}

func effectiveFrameOptions(spec *platformv1alpha1.IngressSpec) platformv1alpha1.FrameOptions {
	if spec.FrameOptions == "" {
		return defaultFrameOptions
	}
	return spec.FrameOptions
}
