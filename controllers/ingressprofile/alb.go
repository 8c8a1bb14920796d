package ingressprofile

import (
	"fmt"
	"strings"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

const albPrefix = "alb.ingress.kubernetes.io/"

// alb renders for the AWS Load Balancer Controller. The controller reads everything
// from Ingress annotations; response headers are listener attributes of the HTTPS
// listener. The load balancer itself has no rate limit or body size limit, so those
// hold only when a WAF web ACL is attached.
type alb struct{}

func (alb) ControllerName() string { return "ingress.k8s.aws/alb" }

func (alb) Render(settings Settings, _ ControllerConfig) Rendering {
	listenPorts := `[{"HTTPS":443}]`
	if settings.HTTPSRedirect {
		listenPorts = `[{"HTTP":80},{"HTTPS":443}]`
	}
	annotations := map[string]string{
		albPrefix + "scheme":       settings.ALBScheme,
		albPrefix + "target-type":  "ip",
		albPrefix + "listen-ports": listenPorts,
		albPrefix + "ssl-policy":   settings.ALBSSLPolicy,
		albPrefix + "listener-attributes.HTTPS-443": strings.Join([]string{
			"routing.http.response.strict_transport_security.header_value=" + hstsValue(settings),
			"routing.http.response.content_security_policy.header_value=" + settings.CSP,
			"routing.http.response.x_frame_options.header_value=" + settings.FrameOptions,
			"routing.http.response.x_content_type_options.header_value=nosniff",
		}, ","),
	}
	if settings.HTTPSRedirect {
		annotations[albPrefix+"ssl-redirect"] = "443"
	}
	if settings.CertificateARN != "" {
		annotations[albPrefix+"certificate-arn"] = settings.CertificateARN
	}
	if settings.ALBWAFACLARN != "" {
		annotations[albPrefix+"wafv2-acl-arn"] = settings.ALBWAFACLARN
	}
	return Rendering{
		Annotations: annotations,
		Findings: []Finding{
			albTLSFinding(settings),
			albLimitsFinding(settings),
			enforced(platformv1alpha1.ConditionSecurityHeadersEnforced,
				"The HTTPS listener adds HSTS, Content-Security-Policy, X-Frame-Options and "+
					"X-Content-Type-Options through listener attributes"),
		},
	}
}

func albTLSFinding(settings Settings) Finding {
	const condition = platformv1alpha1.ConditionTLSPolicyEnforced
	switch {
	case !policy.IsTLS13OnlyALBPolicy(settings.ALBSSLPolicy):
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced, fmt.Sprintf(
			"SSL policy %s accepts TLS versions below 1.3; set spec.ingress.alb.sslPolicy to one of %s",
			settings.ALBSSLPolicy, strings.Join(policy.TLS13OnlyALBPolicies, ", ")))
	case settings.MinTLSVersion != platformv1alpha1.TLSVersion13:
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced,
			"spec.ingress.tls.minVersion asks for TLS 1.2; set it to \"1.3\"")
	case !settings.HTTPSRedirect:
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced,
			"spec.ingress.httpsRedirect is false, so plain HTTP requests are not redirected")
	case settings.CertificateARN == "":
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced,
			"The ALB cannot serve a Kubernetes TLS Secret; set spec.ingress.tls.certificateARN "+
				"to an ACM certificate")
	}
	return enforced(condition, fmt.Sprintf(
		"The HTTPS listener uses %s (TLS 1.3 only), redirects HTTP and sends HSTS",
		settings.ALBSSLPolicy))
}

func albLimitsFinding(settings Settings) Finding {
	const condition = platformv1alpha1.ConditionRequestLimitsEnforced
	if settings.ALBWAFACLARN == "" {
		return notEnforced(condition, platformv1alpha1.ReasonNotEnforced,
			"An ALB has no rate limit or body size limit of its own; set "+
				"spec.ingress.alb.wafACLARN to a WAF web ACL with a rate-based rule and a "+
				"body size rule")
	}
	// NOTE: the operator cannot read the web ACL's rules, so it trusts that the ACL
	// contains the limits the spec requests.
	return enforced(condition, "WAF web ACL "+settings.ALBWAFACLARN+
		" is attached; its rules must carry the rate and body size limits")
}
