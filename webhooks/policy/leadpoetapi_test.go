package policy

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// validAPI returns an instance that passes every rule.
func validAPI() *platformv1alpha1.LeadpoetAPI {
	return &platformv1alpha1.LeadpoetAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a"},
		Spec: platformv1alpha1.LeadpoetAPISpec{
			Workload: platformv1alpha1.WorkloadSpec{Image: "registry.example/intent@sha256:abc"},
			Ingress: &platformv1alpha1.IngressSpec{
				Hosts: []string{"api.example.com"},
				TLS: &platformv1alpha1.TLSSpec{
					CertificateARN: "arn:aws:acm:eu-west-1:111122223333:certificate/abc",
				},
				ALB: &platformv1alpha1.ALBSpec{SourceCIDRs: []string{"10.0.0.0/16"}},
			},
			NetworkPolicy: platformv1alpha1.NetworkPolicySpec{
				Egress: []platformv1alpha1.EgressRule{{
					Name:  "database",
					To:    []platformv1alpha1.NetworkPeer{{CIDR: "10.1.0.0/24"}},
					Ports: []platformv1alpha1.EgressPort{{Port: 5432}},
				}},
			},
			ServiceAccount: platformv1alpha1.ServiceAccountSpec{
				RoleARN: "arn:aws:iam::111122223333:role/leadpoet/intent",
			},
		},
	}
}

func TestValidateLeadpoetAPI(t *testing.T) {
	cfg := DefaultConfig()
	tests := []struct {
		name         string
		mutate       func(*platformv1alpha1.LeadpoetAPI)
		cfg          *Config
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "valid instance passes", mutate: func(*platformv1alpha1.LeadpoetAPI) {}},
		{name: "no ingress passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress = nil
		}},
		{name: "ingress without tls rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS = nil
		}, wantPaths: []string{"spec.ingress.tls"}},
		{name: "minVersion 1.2 rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
		}, wantPaths: []string{"spec.ingress.tls.minVersion"}},
		{name: "minVersion 1.3 passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion13
		}},
		{name: "modern ciphers pass", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.Ciphers = ModernCiphers
		}},
		{name: "CBC cipher rejected at its index", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.Ciphers = []string{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"}
		}, wantPaths: []string{"spec.ingress.tls.ciphers[1]"}},
		{name: "non-ECDHE GCM cipher rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.Ciphers = []string{"AES256-GCM-SHA384"}
		}, wantPaths: []string{"spec.ingress.tls.ciphers[0]"}},
		{name: "httpsRedirect false rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HTTPSRedirect = ptr(false)
		}, wantPaths: []string{"spec.ingress.httpsRedirect"}},
		{name: "httpsRedirect true passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HTTPSRedirect = ptr(true)
		}},
		{name: "HSTS max age under a year rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(86400))}
		}, wantPaths: []string{"spec.ingress.hsts.maxAgeSeconds"}},
		{name: "HSTS max age of a year passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(MinHSTSMaxAgeSeconds)}
		}},
		{name: "HSTS without subdomains and preload warns", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{IncludeSubDomains: ptr(false), Preload: ptr(false)}
		}, wantWarnings: []string{"spec.ingress.hsts.includeSubDomains", "spec.ingress.hsts.preload"}},
		{name: "TLS 1.2 ALB policy rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
		}, wantPaths: []string{"spec.ingress.alb.sslPolicy"}},
		{name: "each TLS 1.3 ALB policy passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SSLPolicy = TLS13OnlyALBPolicies[len(TLS13OnlyALBPolicies)-1]
		}},
		{name: "internet-facing without WAF warns twice", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.Scheme = schemeInternetFacing
		}, wantWarnings: []string{"internet-facing puts", "without a WAF"}},
		{name: "source CIDR of everything rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SourceCIDRs = []string{"10.0.0.0/16", "0.0.0.0/0"}
		}, wantPaths: []string{"spec.ingress.alb.sourceCIDRs[1]"}},
		{name: "egress to 0.0.0.0/0 rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "0.0.0.0/0"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to ::/0 rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "::/0"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to link-local range rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "169.254.0.0/16"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to metadata host rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "169.254.169.254/32"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to Pod Identity Agent rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "169.254.170.23/32"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to IPv6 Pod Identity Agent rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "fd00:ec2::23/128"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to ECS container credentials rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "169.254.170.2/32"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to mapped Pod Identity Agent rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "::ffff:169.254.170.23/128"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to mapped metadata host rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "::ffff:169.254.169.254/128"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to IPv6 metadata range rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "fd00::/8"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "egress to /4 warns", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "0.0.0.0/4"
		}, wantWarnings: []string{"spec.networkPolicy.egress[0].to[0].cidr: 0.0.0.0/4"}},
		{name: "egress to invalid CIDR rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "10.0.0.0/33"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "empty egress peer rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To = append(api.Spec.NetworkPolicy.Egress[0].To,
				platformv1alpha1.NetworkPeer{})
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[1]"}},
		{name: "egress rule without destinations rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To = nil
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to"}},
		{name: "egress rule without ports rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports = nil
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports"}},
		{name: "egress to every namespace rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To = []platformv1alpha1.NetworkPeer{{
				NamespaceSelector: &metav1.LabelSelector{},
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			}}
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].namespaceSelector"}},
		{name: "egress to labelled namespace passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To = []platformv1alpha1.NetworkPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "data"}},
			}}
		}},
		{name: "cidr with selector rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].PodSelector = &metav1.LabelSelector{}
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0].cidr"}},
		{name: "port range at the maximum passes", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0] = platformv1alpha1.EgressPort{Port: 9000, EndPort: ptr(int32(9255))}
		}},
		{name: "port range over the maximum rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0] = platformv1alpha1.EgressPort{Port: 1024, EndPort: ptr(int32(65535))}
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[0].endPort"}},
		{name: "port range over a configured maximum rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0] = platformv1alpha1.EgressPort{Port: 9000, EndPort: ptr(int32(9010))}
		}, cfg: &Config{MaxEgressPortRange: 10}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[0].endPort"}},
		{name: "reversed port range rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0] = platformv1alpha1.EgressPort{Port: 9000, EndPort: ptr(int32(8000))}
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[0].endPort"}},
		{name: "port zero rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0] = platformv1alpha1.EgressPort{Port: 0}
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[0].port"}},
		{name: "ingress from every namespace rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{NamespaceSelector: &metav1.LabelSelector{}}}
		}, wantPaths: []string{"spec.networkPolicy.ingressFrom[0].namespaceSelector"}},
		{name: "empty ingress peer rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{}}
		}, wantPaths: []string{"spec.networkPolicy.ingressFrom[0]"}},
		{name: "ingress from ::/0 rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{CIDR: "::/0"}}
		}, wantPaths: []string{"spec.networkPolicy.ingressFrom[0].cidr"}},
		{name: "malformed role ARN rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::1111:role/intent"
		}, wantPaths: []string{"spec.serviceAccount.roleARN"}},
		{name: "user ARN rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::111122223333:user/intent"
		}, wantPaths: []string{"spec.serviceAccount.roleARN"}},
		{name: "role in another account rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::444455556666:role/intent"
		}, cfg: &Config{AllowedAccounts: []string{"111122223333"}},
			wantPaths: []string{"spec.serviceAccount.roleARN"}},
		{name: "role in allowed account passes", mutate: func(*platformv1alpha1.LeadpoetAPI) {},
			cfg: &Config{AllowedAccounts: []string{"111122223333"}, AllowedPartitions: []string{"aws"}}},
		{name: "role in another partition rejected", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws-cn:iam::111122223333:role/intent"
		}, cfg: &Config{AllowedPartitions: []string{"aws"}},
			wantPaths: []string{"spec.serviceAccount.roleARN"}},
		{name: "automounted token warns", mutate: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Workload.AutomountServiceAccountToken = ptr(true)
		}, wantWarnings: []string{"spec.workload.automountServiceAccountToken"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			api := validAPI()
			test.mutate(api)
			config := cfg
			if test.cfg != nil {
				config = *test.cfg
			}
			errs, warnings := ValidateLeadpoetAPI(api, config)
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestValidateLeadpoetAPIMessage(t *testing.T) {
	api := validAPI()
	api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
	errs, _ := ValidateLeadpoetAPI(api, DefaultConfig())
	want := `spec.ingress.tls.minVersion: Invalid value: "1.2": TLS versions below 1.3 are not ` +
		`allowed; set minVersion to "1.3" or remove it`
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
	}
	if got := errs[0].Error(); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestValidateLeadpoetAPIUpdate(t *testing.T) {
	cfg := DefaultConfig()
	withReason := func(api *platformv1alpha1.LeadpoetAPI, reason string) {
		api.Annotations = map[string]string{AnnotationWeakenReason: reason}
	}
	tests := []struct {
		name         string
		mutateOld    func(*platformv1alpha1.LeadpoetAPI)
		mutateNew    func(*platformv1alpha1.LeadpoetAPI)
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "unchanged spec passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Labels = map[string]string{"team": "a"}
		}},
		{name: "unchanged invalid spec passes", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Finalizers = nil
		}},
		{name: "changed spec checked as create", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
		}, wantPaths: []string{"spec.ingress.tls.minVersion", "spec.ingress.tls.minVersion"}},
		{name: "strengthening passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(63072000))}
		}},
		{name: "lower HSTS max age without reason rejected", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(63072000))}
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(31536000))}
		}, wantPaths: []string{"spec.ingress.hsts.maxAgeSeconds"}},
		{name: "lower HSTS max age with reason warns", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(63072000))}
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: ptr(int64(31536000))}
			withReason(api, "CDN migration")
		}, wantWarnings: []string{`spec.ingress.hsts.maxAgeSeconds: lowers maxAgeSeconds from 63072000 to 31536000; allowed because platform.leadpoet.io/weaken-reason gives the reason "CDN migration"`}},
		{name: "stale reason rejected", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			withReason(api, "CDN migration")
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{Preload: ptr(false)}
			withReason(api, "CDN migration")
		}, wantPaths: []string{"spec.ingress.hsts.preload"}, wantWarnings: []string{"keeps the hosts out"}},
		{name: "blank reason rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{IncludeSubDomains: ptr(false)}
			withReason(api, "   ")
		}, wantPaths: []string{"spec.ingress.hsts.includeSubDomains"}, wantWarnings: []string{"leaves subdomains"}},
		{name: "internal to internet-facing rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.Scheme = schemeInternetFacing
			api.Spec.Ingress.ALB.WAFACLARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/y"
		}, wantPaths: []string{"spec.ingress.alb.scheme"}, wantWarnings: []string{"internet-facing puts"}},
		{name: "detaching WAF rejected", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.WAFACLARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/y"
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.WAFACLARN = ""
		}, wantPaths: []string{"spec.ingress.alb.wafACLARN"}},
		{name: "broader source CIDR rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SourceCIDRs = []string{"10.0.0.0/8"}
		}, wantPaths: []string{"spec.ingress.alb.sourceCIDRs[0]"}},
		{name: "narrower source CIDR passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SourceCIDRs = []string{"10.0.1.0/24"}
		}},
		{name: "higher rate limit rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.RateLimitPerMinute = ptr(int32(6000))
		}, wantPaths: []string{"spec.ingress.rateLimitPerMinute"}},
		{name: "larger body size rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.MaxRequestBodySize = ptr(resource.MustParse("10Mi"))
		}, wantPaths: []string{"spec.ingress.maxRequestBodySize"}},
		{name: "explicit default body size passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.MaxRequestBodySize = ptr(resource.MustParse("1024Ki"))
		}},
		{name: "SAMEORIGIN framing rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.FrameOptions = platformv1alpha1.FrameOptionsSameOrigin
		}, wantPaths: []string{"spec.ingress.frameOptions"}},
		{name: "added egress rule rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = append(api.Spec.NetworkPolicy.Egress, platformv1alpha1.EgressRule{
				Name: "cache", To: []platformv1alpha1.NetworkPeer{{CIDR: "10.2.0.0/24"}},
				Ports: []platformv1alpha1.EgressPort{{Port: 6379}},
			})
		}, wantPaths: []string{"spec.networkPolicy.egress[1].to[0]"}},
		{name: "broader egress CIDR rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "10.1.0.0/16"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].to[0]"}},
		{name: "added egress port rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports = append(api.Spec.NetworkPolicy.Egress[0].Ports,
				platformv1alpha1.EgressPort{Port: 5433})
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[1]"}},
		{name: "protocol change rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0].Protocol = "UDP"
		}, wantPaths: []string{"spec.networkPolicy.egress[0].ports[0]"}},
		{name: "narrower egress passes", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Ports[0].EndPort = ptr(int32(5440))
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].To[0].CIDR = "10.1.0.0/28"
		}},
		{name: "renamed egress rule passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress[0].Name = "postgres"
		}},
		{name: "removing egress passes", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = nil
		}},
		{name: "added ingress peer rejected", mutateOld: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/16"}}
		}, mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/16"},
				{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}}}}
		}, wantPaths: []string{"spec.networkPolicy.ingressFrom[1]"}},
		{name: "first explicit ingress peers pass", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/16"}}
		}},
		{name: "turning on token automount rejected", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Workload.AutomountServiceAccountToken = ptr(true)
		}, wantPaths: []string{"spec.workload.automountServiceAccountToken"},
			wantWarnings: []string{"mounts a Kubernetes API token"}},
		{name: "several weakenings with reason all warn", mutateNew: func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.RateLimitPerMinute = ptr(int32(6000))
			api.Spec.Ingress.FrameOptions = platformv1alpha1.FrameOptionsSameOrigin
			withReason(api, "partner embeds the console")
		}, wantWarnings: []string{"raises rateLimitPerMinute", "allows framing by SAMEORIGIN"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			old, updated := validAPI(), validAPI()
			if test.mutateOld != nil {
				test.mutateOld(old)
				test.mutateOld(updated)
			}
			if test.mutateNew != nil {
				test.mutateNew(updated)
			}
			errs, warnings := ValidateLeadpoetAPIUpdate(old, updated, cfg)
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestWeakeningMessageNamesReasonAnnotation(t *testing.T) {
	old, updated := validAPI(), validAPI()
	updated.Spec.Ingress.RateLimitPerMinute = ptr(int32(6000))
	errs, _ := ValidateLeadpoetAPIUpdate(old, updated, DefaultConfig())
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
	}
	if errs[0].Type != field.ErrorTypeForbidden {
		t.Errorf("error type = %s, want Forbidden", errs[0].Type)
	}
	if !strings.Contains(errs[0].Detail, AnnotationWeakenReason) {
		t.Errorf("detail %q does not name %s", errs[0].Detail, AnnotationWeakenReason)
	}
}
