package policy

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nginxIngress() *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"api.example.com", "*.apps.example.com"}}},
			Rules: []networkingv1.IngressRule{
				{Host: "api.example.com"},
				{Host: "console.apps.example.com"},
			},
		},
	}
}

func TestValidateIngress(t *testing.T) {
	cfg := DefaultConfig()
	annotation := func(key, value string) func(*networkingv1.Ingress) {
		return func(ingress *networkingv1.Ingress) {
			if ingress.Annotations == nil {
				ingress.Annotations = map[string]string{}
			}
			ingress.Annotations[key] = value
		}
	}
	tests := []struct {
		name         string
		mutate       func(*networkingv1.Ingress)
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "covered hosts pass", mutate: func(*networkingv1.Ingress) {}},
		{name: "uncovered host rejected", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.Rules = append(ingress.Spec.Rules, networkingv1.IngressRule{Host: "admin.example.com"})
		}, wantPaths: []string{"spec.rules[2].host"}},
		{name: "host two labels under wildcard rejected", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.Rules[1].Host = "a.b.apps.example.com"
		}, wantPaths: []string{"spec.rules[1].host"}},
		{name: "host matching case-insensitively passes", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.Rules[0].Host = "API.example.com"
		}},
		{name: "rule without host rejected", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.Rules[0].Host = ""
		}, wantPaths: []string{"spec.rules[0].host"}},
		{name: "no tls section rejected for each host", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.TLS = nil
		}, wantPaths: []string{"spec.rules[0].host", "spec.rules[1].host"}},
		{name: "default backend warns", mutate: func(ingress *networkingv1.Ingress) {
			ingress.Spec.DefaultBackend = &networkingv1.IngressBackend{}
		}, wantWarnings: []string{"spec.defaultBackend"}},
		{name: "ssl-redirect false rejected", mutate: annotation(annotationNginxSSLRedirect, "false"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]"}},
		{name: "ssl-redirect 0 rejected", mutate: annotation(annotationNginxSSLRedirect, "0"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]"}},
		{name: "ssl-redirect true passes", mutate: annotation(annotationNginxSSLRedirect, "true")},
		{name: "force-ssl-redirect false rejected", mutate: annotation(annotationNginxForceSSLRedirect, "false"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]"}},
		{name: "nginx.org ssl-redirect false rejected", mutate: annotation(annotationNginxOrgSSLRedirect, "False"),
			wantPaths: []string{"metadata.annotations[ingress.kubernetes.io/ssl-redirect]"}},
		{name: "configuration snippet rejected", mutate: annotation(
			"nginx.ingress.kubernetes.io/configuration-snippet", "more_set_headers x"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]"}},
		{name: "server snippet rejected", mutate: annotation("nginx.ingress.kubernetes.io/server-snippet", "x"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]"}},
		{name: "auth snippet rejected", mutate: annotation("nginx.ingress.kubernetes.io/auth-snippet", "x"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/auth-snippet]"}},
		{name: "stream snippet rejected", mutate: annotation("nginx.ingress.kubernetes.io/stream-snippet", "x"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/stream-snippet]"}},
		{name: "nginx.org plural snippets rejected", mutate: annotation("nginx.org/location-snippets", "x"),
			wantPaths: []string{"metadata.annotations[nginx.org/location-snippets]"}},
		{name: "custom-prefix snippet rejected", mutate: annotation("ingress.example.com/Server-Snippet", "x"),
			wantPaths: []string{"metadata.annotations[ingress.example.com/Server-Snippet]"}},
		{name: "modern ssl-ciphers pass", mutate: annotation(annotationNginxSSLCiphers,
			"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")},
		{name: "cipher keyword rejected", mutate: annotation(annotationNginxSSLCiphers, "HIGH:!aNULL"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/ssl-ciphers]"}},
		{name: "CBC cipher in list rejected", mutate: annotation(annotationNginxSSLCiphers,
			"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256"),
			wantPaths: []string{"metadata.annotations[nginx.ingress.kubernetes.io/ssl-ciphers]"}},
		{name: "TLS 1.2 ALB policy rejected", mutate: annotation(annotationALBSSLPolicy, "ELBSecurityPolicy-2016-08"),
			wantPaths: []string{"metadata.annotations[alb.ingress.kubernetes.io/ssl-policy]"}},
		{name: "TLS 1.3 ALB policy passes", mutate: annotation(annotationALBSSLPolicy, "ELBSecurityPolicy-TLS13-1-3-2021-06")},
		{name: "several annotations reported in key order", mutate: func(ingress *networkingv1.Ingress) {
			annotation("nginx.org/server-snippets", "x")(ingress)
			annotation(annotationNginxSSLRedirect, "false")(ingress)
		}, wantPaths: []string{
			"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]",
			"metadata.annotations[nginx.org/server-snippets]",
		}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			ingress := nginxIngress()
			test.mutate(ingress)
			errs, warnings := ValidateIngress(ingress, cfg)
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestValidateIngressALBCertificate(t *testing.T) {
	cfg := DefaultConfig()
	albIngress := func(annotations map[string]string) *networkingv1.Ingress {
		return &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "intent", Annotations: annotations},
			Spec: networkingv1.IngressSpec{
				IngressClassName: ptr("alb"),
				Rules:            []networkingv1.IngressRule{{Host: "api.example.com"}},
			},
		}
	}
	const certificate = "arn:aws:acm:eu-west-1:111122223333:certificate/abc"
	tests := []struct {
		name      string
		ingress   *networkingv1.Ingress
		wantPaths []string
	}{
		{name: "certificate annotation covers hosts", ingress: albIngress(map[string]string{
			annotationALBCertificateARN: certificate,
			annotationALBListenPorts:    `[{"HTTP":80},{"HTTPS":443}]`,
			annotationALBSSLRedirect:    "443",
		})},
		{name: "HTTP listener without redirect rejected", ingress: albIngress(map[string]string{
			annotationALBCertificateARN: certificate,
			annotationALBListenPorts:    `[{"HTTP":80},{"HTTPS":443}]`,
		}), wantPaths: []string{"metadata.annotations[alb.ingress.kubernetes.io/listen-ports]"}},
		{name: "malformed listen-ports rejected", ingress: albIngress(map[string]string{
			annotationALBCertificateARN: certificate,
			annotationALBListenPorts:    `HTTPS:443`,
		}), wantPaths: []string{"metadata.annotations[alb.ingress.kubernetes.io/listen-ports]"}},
		{name: "no certificate leaves host uncovered", ingress: albIngress(nil),
			wantPaths: []string{"spec.rules[0].host"}},
		{name: "certificate annotation ignored on other classes", ingress: func() *networkingv1.Ingress {
			ingress := albIngress(map[string]string{annotationALBCertificateARN: certificate})
			ingress.Spec.IngressClassName = ptr("nginx")
			return ingress
		}(), wantPaths: []string{"spec.rules[0].host"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			errs, warnings := ValidateIngress(test.ingress, cfg)
			checkVerdict(t, errs, warnings, test.wantPaths, nil)
		})
	}
}

func TestValidateIngressUpdate(t *testing.T) {
	cfg := DefaultConfig()
	old := nginxIngress()
	old.Annotations = map[string]string{"nginx.ingress.kubernetes.io/server-snippet": "x"}

	unchanged := old.DeepCopy()
	unchanged.Labels = map[string]string{"team": "a"}
	errs, warnings := ValidateIngressUpdate(old, unchanged, cfg)
	checkVerdict(t, errs, warnings, nil, nil)

	changed := old.DeepCopy()
	changed.Spec.Rules[0].Host = "api2.example.com"
	errs, warnings = ValidateIngressUpdate(old, changed, cfg)
	checkVerdict(t, errs, warnings, []string{
		"metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]",
		"spec.rules[0].host",
	}, nil)
}
