package ingressprofile

import (
	"strings"
	"testing"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

func strictSettings() Settings {
	return Settings{
		Namespace: "team", Name: "api", Hosts: []string{"api.example.com"}, Path: "/",
		ServiceName: "api", ServicePort: 80, TLSSecretName: "api-tls",
		CertificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
		MinTLSVersion:  platformv1alpha1.TLSVersion13, Ciphers: []string{"ECDHE-RSA-AES128-GCM-SHA256"},
		HTTPSRedirect: true, HSTSMaxAgeSeconds: 31536000, HSTSSubDomains: true, HSTSPreload: true,
		CSP: "default-src 'none'", FrameOptions: "DENY", RateLimitPerMinute: 600, MaxBodyBytes: 1 << 20,
		HeadersConfigMap: "api-security-headers", ALBScheme: "internal",
		ALBSSLPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06",
	}
}

func strictNginx() ControllerConfig {
	return ControllerConfig{Found: true, Namespace: "ingress-nginx", Name: "controller", Data: map[string]string{
		"ssl-protocols": "TLSv1.3", "hsts-preload": "true",
		"global-allowed-response-headers": "Content-Security-Policy, X-Frame-Options,X-Content-Type-Options",
	}}
}

func findingFor(t *testing.T, rendering Rendering, condition string) Finding {
	t.Helper()
	for _, finding := range rendering.Findings {
		if finding.Condition == condition {
			return finding
		}
	}
	t.Fatalf("no finding for %s in %+v", condition, rendering.Findings)
	return Finding{}
}

func TestFindings(t *testing.T) {
	tests := []struct {
		name         string
		profile      platformv1alpha1.IngressProfile
		settings     func(*Settings)
		config       func(*ControllerConfig)
		condition    string
		wantEnforced bool
		wantInText   string
	}{
		{"alb strict policy", "alb", nil, nil, platformv1alpha1.ConditionTLSPolicyEnforced, true, "TLS 1.3 only"},
		{"alb TLS 1.2 policy", "alb", func(s *Settings) { s.ALBSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06" },
			nil, platformv1alpha1.ConditionTLSPolicyEnforced, false, "spec.ingress.alb.sslPolicy"},
		{"alb without certificate ARN", "alb", func(s *Settings) { s.CertificateARN = "" },
			nil, platformv1alpha1.ConditionTLSPolicyEnforced, false, "certificateARN"},
		{"alb without WAF", "alb", nil, nil, platformv1alpha1.ConditionRequestLimitsEnforced, false, "wafACLARN"},
		{"alb with WAF", "alb", func(s *Settings) { s.ALBWAFACLARN = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y" },
			nil, platformv1alpha1.ConditionRequestLimitsEnforced, true, "WAF"},
		{"nginx strict config", "nginx", nil, nil, platformv1alpha1.ConditionTLSPolicyEnforced, true, "TLS 1.3 only"},
		{"nginx default protocols", "nginx", nil, func(c *ControllerConfig) { delete(c.Data, "ssl-protocols") },
			platformv1alpha1.ConditionTLSPolicyEnforced, false, `"TLSv1.2 TLSv1.3"`},
		{"nginx missing ConfigMap", "nginx", nil, func(c *ControllerConfig) { c.Found = false; c.Data = nil },
			platformv1alpha1.ConditionTLSPolicyEnforced, false, "not found"},
		{"nginx HSTS off", "nginx", nil, func(c *ControllerConfig) { c.Data["hsts"] = "false" },
			platformv1alpha1.ConditionTLSPolicyEnforced, false, "turns HSTS off"},
		{"nginx short HSTS", "nginx", nil, func(c *ControllerConfig) { c.Data["hsts-max-age"] = "600" },
			platformv1alpha1.ConditionTLSPolicyEnforced, false, "hsts-max-age"},
		{"nginx headers not allowed", "nginx", nil, func(c *ControllerConfig) { delete(c.Data, "global-allowed-response-headers") },
			platformv1alpha1.ConditionSecurityHeadersEnforced, false, "X-Frame-Options"},
		{"nginx headers allowed", "nginx", nil, nil, platformv1alpha1.ConditionSecurityHeadersEnforced, true, "adds"},
		{"nginx redirect off", "nginx", func(s *Settings) { s.HTTPSRedirect = false }, nil,
			platformv1alpha1.ConditionTLSPolicyEnforced, false, "httpsRedirect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settings, config := strictSettings(), strictNginx()
			if tt.settings != nil {
				tt.settings(&settings)
			}
			if tt.config != nil {
				tt.config(&config)
			}
			profile, err := For(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			finding := findingFor(t, profile.Render(settings, config), tt.condition)
			if finding.Enforced != tt.wantEnforced {
				t.Errorf("Enforced = %v, want %v (%s)", finding.Enforced, tt.wantEnforced, finding.Message)
			}
			if !strings.Contains(finding.Message, tt.wantInText) {
				t.Errorf("message %q does not mention %q", finding.Message, tt.wantInText)
			}
		})
	}
}

func TestNginxNeverWritesSnippets(t *testing.T) {
	rendering := nginx{}.Render(strictSettings(), strictNginx())
	for key := range rendering.Annotations {
		if strings.Contains(key, "snippet") {
			t.Errorf("annotation %s is a snippet", key)
		}
	}
}

func TestUnknownProfile(t *testing.T) {
	if _, err := For("traefik"); err == nil || !strings.Contains(err.Error(), "alb or nginx") {
		t.Errorf("For(traefik) error = %v, want one naming the supported profiles", err)
	}
}
