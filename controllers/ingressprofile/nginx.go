package ingressprofile

import (
	"fmt"
	"strconv"
	"strings"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

const nginxPrefix = "nginx.ingress.kubernetes.io/"

// Response headers that the nginx profile adds through the custom-headers annotation.
var nginxSecurityHeaders = []string{
	"Content-Security-Policy",
	"X-Frame-Options",
	"X-Content-Type-Options",
}

// nginx renders for ingress-nginx. Redirects, ciphers, the rate limit, the body size
// limit and response headers are per-Ingress annotations there. TLS protocol versions
// and HSTS are controller-wide ConfigMap keys, so the profile reads the ConfigMap and
// reports whether they hold. It never writes snippet annotations, which let anyone who
// can edit an Ingress inject nginx configuration.
type nginx struct{}

func (nginx) ControllerName() string { return "k8s.io/ingress-nginx" }

func (nginx) Render(settings Settings, config ControllerConfig) Rendering {
	redirect := strconv.FormatBool(settings.HTTPSRedirect)
	annotations := map[string]string{
		nginxPrefix + "ssl-redirect":              redirect,
		nginxPrefix + "force-ssl-redirect":        redirect,
		nginxPrefix + "ssl-ciphers":               strings.Join(settings.Ciphers, ":"),
		nginxPrefix + "ssl-prefer-server-ciphers": "true",
		nginxPrefix + "limit-rpm":                 strconv.Itoa(int(settings.RateLimitPerMinute)),
		nginxPrefix + "proxy-body-size":           strconv.FormatInt(settings.MaxBodyBytes, 10),
		nginxPrefix + "custom-headers":            settings.Namespace + "/" + settings.HeadersConfigMap,
	}
	return Rendering{
		Annotations:    annotations,
		ServeTLSSecret: true,
		Headers: map[string]string{
			"Content-Security-Policy": settings.CSP,
			"X-Frame-Options":         settings.FrameOptions,
			"X-Content-Type-Options":  "nosniff",
		},
		Findings: []Finding{
			nginxTLSFinding(settings, config),
			enforced(platformv1alpha1.ConditionRequestLimitsEnforced, fmt.Sprintf(
				"ingress-nginx limits each client address to %d requests per minute per "+
					"controller replica and bodies to %d bytes",
				settings.RateLimitPerMinute, settings.MaxBodyBytes)),
			nginxHeadersFinding(config),
		},
	}
}

// Built-in defaults of the ingress-nginx ConfigMap keys the profile reads (ingress-nginx
// v1.12 documentation, "ConfigMaps").
var nginxConfigDefaults = map[string]string{
	"ssl-protocols":           "TLSv1.2 TLSv1.3",
	"hsts":                    "true",
	"hsts-max-age":            "31536000",
	"hsts-include-subdomains": "true",
	"hsts-preload":            "false",
}

func nginxTLSFinding(settings Settings, config ControllerConfig) Finding {
	const condition = platformv1alpha1.ConditionTLSPolicyEnforced
	reason := platformv1alpha1.ReasonNotEnforced
	if !config.Found {
		reason = platformv1alpha1.ReasonControllerConfigNotFound
	}
	where := fmt.Sprintf("ConfigMap %s/%s", config.Namespace, config.Name)
	if !config.Found {
		where += " (not found, so ingress-nginx defaults apply)"
	}
	var problems []string
	if settings.MinTLSVersion != platformv1alpha1.TLSVersion13 {
		problems = append(problems, `spec.ingress.tls.minVersion asks for TLS 1.2; set it to "1.3"`)
	}
	if protocols := nginxConfig(config, "ssl-protocols"); strings.Join(strings.Fields(protocols), " ") != "TLSv1.3" {
		problems = append(problems, fmt.Sprintf("%s sets ssl-protocols to %q; set it to \"TLSv1.3\"",
			where, protocols))
	}
	if !settings.HTTPSRedirect {
		problems = append(problems, "spec.ingress.httpsRedirect is false, so plain HTTP is served")
	}
	problems = append(problems, nginxHSTSProblems(settings, config, where)...)
	if len(problems) > 0 {
		return notEnforced(condition, reason, strings.Join(problems, "; "))
	}
	return enforced(condition, where+" allows TLS 1.3 only and sends the requested HSTS header")
}

func nginxHSTSProblems(settings Settings, config ControllerConfig, where string) []string {
	if nginxConfig(config, "hsts") != "true" {
		return []string{where + " turns HSTS off; set hsts to \"true\""}
	}
	var problems []string
	maxAge, err := strconv.ParseInt(nginxConfig(config, "hsts-max-age"), 10, 64)
	if err != nil || maxAge < settings.HSTSMaxAgeSeconds {
		problems = append(problems, fmt.Sprintf("%s sets hsts-max-age to %q; set it to \"%d\" or more",
			where, nginxConfig(config, "hsts-max-age"), settings.HSTSMaxAgeSeconds))
	}
	if settings.HSTSSubDomains && nginxConfig(config, "hsts-include-subdomains") != "true" {
		problems = append(problems, where+" leaves out includeSubDomains; set hsts-include-subdomains to \"true\"")
	}
	if settings.HSTSPreload && nginxConfig(config, "hsts-preload") != "true" {
		problems = append(problems, where+" leaves out preload; set hsts-preload to \"true\"")
	}
	return problems
}

// nginxHeadersFinding checks that the controller passes the custom headers on: the
// custom-headers annotation only adds headers that the controller-wide
// global-allowed-response-headers key lists.
func nginxHeadersFinding(config ControllerConfig) Finding {
	const condition = platformv1alpha1.ConditionSecurityHeadersEnforced
	allowed := map[string]bool{}
	for _, header := range strings.Split(config.Data["global-allowed-response-headers"], ",") {
		allowed[strings.ToLower(strings.TrimSpace(header))] = true
	}
	var missing []string
	for _, header := range nginxSecurityHeaders {
		if !allowed[strings.ToLower(header)] {
			missing = append(missing, header)
		}
	}
	if len(missing) > 0 {
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced, fmt.Sprintf(
			"ConfigMap %s/%s does not list %s in global-allowed-response-headers, so "+
				"ingress-nginx drops them; add them there",
			config.Namespace, config.Name, strings.Join(missing, ", ")))
	}
	return enforced(condition, "ingress-nginx adds "+strings.Join(nginxSecurityHeaders, ", "))
}

func nginxConfig(config ControllerConfig, key string) string {
	if value, ok := config.Data[key]; ok {
		return strings.TrimSpace(value)
	}
	return nginxConfigDefaults[key]
}
