package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// Every entry sends one real request to envtest's API server, which calls the
// manager's webhooks through the generated webhook configuration. The entries share a
// namespace that holds the instance "shop", so the rules about instance ServiceAccounts
// and managed objects have something to protect. The LeadpoetAPI entries create their
// instances in a second namespace, so that "shop" stays the only instance whose
// ServiceAccount the RBAC entries can bind.
var _ = Describe("Admission webhooks", Ordered, func() {
	ctx := context.Background()
	shared := fixture{}

	BeforeAll(func() {
		namespace := newNamespace()
		secretID := uniqueName(namespace, "db")
		aws.PutSecretString(secretID, "value")
		api := secretAPI(namespace, "shop", secretID)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "db", SecretName: "shop-db", Key: "password",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: secretID},
		}}
		create(api)
		Eventually(func(g Gomega) {
			ns := &corev1.Namespace{}
			g.Expect(k8s.Get(ctx, types.NamespacedName{Name: namespace}, ns)).To(Succeed())
			g.Expect(ns.Labels).To(HaveKeyWithValue("platform.leadpoet.io/guarded", "true"))
			getChild(g, api, &networkingv1.NetworkPolicy{})
			account := &corev1.ServiceAccount{}
			getChild(g, api, account)
			g.Expect(account.Annotations).To(HaveKey("eks.amazonaws.com/role-arn"))
		}).Should(Succeed())
		shared.namespace = namespace
		shared.instance = api
		shared.instanceNamespace = newNamespace()

		// kube-system opts in, so the entries there show the name exemption rather
		// than a missing label.
		optIn(ctx, "kube-system")
	})

	DescribeTable("judges each write",
		func(send request, want verdict) {
			f := shared
			f.name = uniqueCaseName("case")
			f.client = clientAs("")
			expectVerdict(send(&f), want)
		},

		// LeadpoetAPI: the instance spec itself.
		Entry("LeadpoetAPI valid instance", creating(instance(nil)), allowed()),
		Entry("LeadpoetAPI TLS 1.2", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
		})), rejected(leadpoetAPIWebhook, invalidValue, `set minVersion to "1.3" or remove it`,
			"spec.ingress.tls.minVersion")),
		Entry("LeadpoetAPI weak cipher", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.Ciphers = []string{"ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"}
		})), rejected(leadpoetAPIWebhook, invalidValue, "is not an ECDHE AEAD cipher suite; use one of",
			"spec.ingress.tls.ciphers[1]")),
		Entry("LeadpoetAPI modern ciphers", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS.Ciphers = []string{"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"}
		})), allowed()),
		Entry("LeadpoetAPI TLS off", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.TLS = nil
		})), rejected(leadpoetAPIWebhook, requiredValue, "set issuerRef, secretName or certificateARN",
			"spec.ingress.tls")),
		Entry("LeadpoetAPI redirect off", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HTTPSRedirect = new(false)
		})), rejected(leadpoetAPIWebhook, invalidValue, "set httpsRedirect to true or remove it",
			"spec.ingress.httpsRedirect")),
		Entry("LeadpoetAPI HSTS one day", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: new(int64(86400))}
		})), rejected(leadpoetAPIWebhook, invalidValue, "must be at least 31536000 (one year)",
			"spec.ingress.hsts.maxAgeSeconds")),
		Entry("LeadpoetAPI HSTS one year", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: new(int64(31536000))}
		})), allowed()),
		Entry("LeadpoetAPI ALB policy with TLS 1.2", creating(albInstance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
		})), rejected(leadpoetAPIWebhook, invalidValue, "accepts TLS versions below 1.3; use one of "+
			"ELBSecurityPolicy-TLS13-1-3-2021-06", "spec.ingress.alb.sslPolicy")),
		Entry("LeadpoetAPI ALB policy TLS 1.3 only", creating(albInstance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.Ingress.ALB.SSLPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
		})), allowed()),
		Entry("LeadpoetAPI egress to 0.0.0.0/0", creating(instance(egressTo("0.0.0.0/0"))),
			rejected(leadpoetAPIWebhook, invalidValue, "allows every address, including the AWS "+
				"credential endpoints 169.254.169.254, 169.254.170.2 and 169.254.170.23",
				"spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to ::/0", creating(instance(egressTo("::/0"))),
			rejected(leadpoetAPIWebhook, invalidValue, "including the AWS credential endpoints fd00:ec2::254 and fd00:ec2::23",
				"spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to link-local range", creating(instance(egressTo("169.254.0.0/16"))),
			rejected(leadpoetAPIWebhook, invalidValue, "contains the AWS credential endpoints "+
				"169.254.169.254, 169.254.170.2 and 169.254.170.23", "spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to metadata address", creating(instance(egressTo("169.254.169.254/32"))),
			rejected(leadpoetAPIWebhook, invalidValue, "use ranges that leave it out",
				"spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to IPv6 metadata range", creating(instance(egressTo("fd00:ec2::/32"))),
			rejected(leadpoetAPIWebhook, invalidValue, "contains the AWS credential endpoints fd00:ec2::254 and fd00:ec2::23",
				"spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to Pod Identity Agent", creating(instance(egressTo("169.254.170.23/32"))),
			rejected(leadpoetAPIWebhook, invalidValue, "contains the AWS credential endpoint 169.254.170.23, "+
				"which hands out IAM credentials; use ranges that leave it out",
				"spec.networkPolicy.egress[0].to[0].cidr")),
		Entry("LeadpoetAPI egress to VPC range", creating(instance(egressTo("10.0.0.0/16"))), allowed()),
		Entry("LeadpoetAPI egress to every namespace", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{Name: "all",
				To:    []platformv1alpha1.NetworkPeer{{NamespaceSelector: &metav1.LabelSelector{}}},
				Ports: []platformv1alpha1.EgressPort{{Port: 443}}}}
		})), rejected(leadpoetAPIWebhook, invalidValue, "select the namespaces by label",
			"spec.networkPolicy.egress[0].to[0].namespaceSelector")),
		Entry("LeadpoetAPI egress to empty peer", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{Name: "all",
				To:    []platformv1alpha1.NetworkPeer{{}},
				Ports: []platformv1alpha1.EgressPort{{Port: 443}}}}
		})), verdict{reason: metav1.StatusReasonInvalid, causeType: invalidValue,
			fix: "set cidr, namespaceSelector or podSelector", fields: []string{"spec.networkPolicy.egress[0].to[0]"}}),
		Entry("LeadpoetAPI ingress from every address", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{CIDR: "0.0.0.0/0"}}
		})), rejected(leadpoetAPIWebhook, invalidValue, "list the source ranges the pods must accept",
			"spec.networkPolicy.ingressFrom[0].cidr")),
		Entry("LeadpoetAPI ingress from every namespace", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.IngressFrom = []platformv1alpha1.NetworkPeer{{NamespaceSelector: &metav1.LabelSelector{}}}
		})), rejected(leadpoetAPIWebhook, invalidValue, "select the namespaces by label",
			"spec.networkPolicy.ingressFrom[0].namespaceSelector")),
		Entry("LeadpoetAPI egress to all ports", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{Name: "wide",
				To:    []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/16"}},
				Ports: []platformv1alpha1.EgressPort{{Port: 1, EndPort: new(int32(65535))}}}}
		})), rejected(leadpoetAPIWebhook, invalidValue, "more than the operator's maximum of 256",
			"spec.networkPolicy.egress[0].ports[0].endPort")),
		Entry("LeadpoetAPI egress to two ports", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{Name: "redis",
				To:    []platformv1alpha1.NetworkPeer{{CIDR: "10.0.0.0/16"}},
				Ports: []platformv1alpha1.EgressPort{{Port: 6379, EndPort: new(int32(6380))}}}}
		})), allowed()),
		// The CRD's pattern rejects a malformed ARN before the webhook is called.
		Entry("LeadpoetAPI malformed role ARN", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::12345:role/short-account"
		})), verdict{reason: metav1.StatusReasonInvalid, causeType: invalidValue, fix: "should match",
			fields: []string{"spec.serviceAccount.roleARN"}}),
		Entry("LeadpoetAPI role in foreign account", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::210987654321:role/shop"
		})), rejected(leadpoetAPIWebhook, invalidValue, `account 210987654321 is not allowed by the operator; `+
			`use a role in account 123456789012`, "spec.serviceAccount.roleARN")),
		Entry("LeadpoetAPI role in foreign partition", creating(instance(func(api *platformv1alpha1.LeadpoetAPI) {
			api.Spec.ServiceAccount.RoleARN = "arn:aws-cn:iam::123456789012:role/shop"
		})), rejected(leadpoetAPIWebhook, invalidValue, `partition "aws-cn" is not allowed by the operator`,
			"spec.serviceAccount.roleARN")),

		// LeadpoetAPI updates that weaken a setting need a new reason.
		Entry("LeadpoetAPI update shortens HSTS", updating(instance(hstsSeconds(63072000)),
			changeInstance(hstsSeconds(31536000))),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "set the annotation platform.leadpoet.io/weaken-reason",
				"spec.ingress.hsts.maxAgeSeconds")),
		Entry("LeadpoetAPI update shortens HSTS with reason", updating(instance(hstsSeconds(63072000)),
			changeInstance(hstsSeconds(31536000), weakenReason("CDN migration needs a shorter max age"))),
			allowed()),
		Entry("LeadpoetAPI update reuses old reason", updating(
			instance(hstsSeconds(63072000), weakenReason("earlier change")),
			changeInstance(hstsSeconds(31536000))),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "still holds the reason of an earlier change",
				"spec.ingress.hsts.maxAgeSeconds")),
		Entry("LeadpoetAPI update lengthens HSTS", updating(instance(hstsSeconds(31536000)),
			changeInstance(hstsSeconds(63072000))), allowed()),
		Entry("LeadpoetAPI update goes internet-facing", updating(albInstance(nil),
			changeInstance(func(api *platformv1alpha1.LeadpoetAPI) { api.Spec.Ingress.ALB.Scheme = "internet-facing" })),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "moves the load balancer from internal to internet-facing",
				"spec.ingress.alb.scheme")),
		Entry("LeadpoetAPI update raises rate limit", updating(instance(nil),
			changeInstance(func(api *platformv1alpha1.LeadpoetAPI) { api.Spec.Ingress.RateLimitPerMinute = new(int32(6000)) })),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "raises rateLimitPerMinute from 600 to 6000",
				"spec.ingress.rateLimitPerMinute")),
		Entry("LeadpoetAPI update adds egress", updating(instance(nil), changeInstance(egressTo("10.9.0.0/16"))),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "allows connections to 10.9.0.0/16",
				"spec.networkPolicy.egress[0].to[0]")),
		Entry("LeadpoetAPI update mounts token", updating(instance(nil),
			changeInstance(func(api *platformv1alpha1.LeadpoetAPI) { api.Spec.Workload.AutomountServiceAccountToken = new(true) })),
			rejected(leadpoetAPIWebhook, forbiddenByRule, "mounts a Kubernetes API token into the pods",
				"spec.workload.automountServiceAccountToken")),
		Entry("LeadpoetAPI update to TLS 1.2 with reason", updating(instance(nil),
			changeInstance(func(api *platformv1alpha1.LeadpoetAPI) {
				api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12
			}, weakenReason("legacy clients"))),
			rejected(leadpoetAPIWebhook, invalidValue, "TLS versions below 1.3 are not allowed",
				"spec.ingress.tls.minVersion")),

		// Ingress.
		Entry("Ingress host covered by TLS", creating(ingress(nil)), allowed()),
		Entry("Ingress host outside TLS", creating(ingress(func(i *networkingv1.Ingress) {
			i.Spec.Rules = append(i.Spec.Rules, networkingv1.IngressRule{Host: "plain.example.com"})
		})), rejected(ingressWebhook, invalidValue, "add it to the hosts of an entry in spec.tls",
			"spec.rules[1].host")),
		Entry("Ingress rule without host", creating(ingress(func(i *networkingv1.Ingress) {
			i.Spec.Rules = append(i.Spec.Rules, networkingv1.IngressRule{IngressRuleValue: httpTo("web")})
		})), rejected(ingressWebhook, requiredValue, "serves every host name", "spec.rules[1].host")),
		Entry("Ingress host under wildcard TLS", creating(ingress(func(i *networkingv1.Ingress) {
			i.Spec.TLS[0].Hosts = []string{"*.example.com"}
		})), allowed()),
		Entry("Ingress host two labels under wildcard", creating(ingress(func(i *networkingv1.Ingress) {
			i.Spec.TLS[0].Hosts = []string{"*.example.com"}
			i.Spec.Rules[0].Host = "a.b.example.com"
		})), rejected(ingressWebhook, invalidValue, "the host is served without TLS", "spec.rules[0].host")),
		Entry("Ingress ssl-redirect false", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-redirect", "false"))),
			rejected(ingressWebhook, invalidValue, `set it to "true" or remove it`,
				"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]")),
		Entry("Ingress force-ssl-redirect false", creating(ingress(annotated("nginx.ingress.kubernetes.io/force-ssl-redirect", "false"))),
			rejected(ingressWebhook, invalidValue, "plain HTTP must redirect to HTTPS",
				"metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]")),
		Entry("Ingress NGINX Inc ssl-redirect false", creating(ingress(annotated("ingress.kubernetes.io/ssl-redirect", "False"))),
			rejected(ingressWebhook, invalidValue, "plain HTTP must redirect to HTTPS",
				"metadata.annotations[ingress.kubernetes.io/ssl-redirect]")),
		Entry("Ingress ssl-redirect unparsable", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-redirect", "off"))),
			rejected(ingressWebhook, invalidValue, "plain HTTP must redirect to HTTPS",
				"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]")),
		Entry("Ingress ssl-redirect true", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-redirect", "true"))),
			allowed()),
		Entry("Ingress weak ssl-ciphers", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-ciphers",
			"ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA"))),
			rejected(ingressWebhook, invalidValue, `"AES128-SHA" is not an ECDHE AEAD cipher suite`,
				"metadata.annotations[nginx.ingress.kubernetes.io/ssl-ciphers]")),
		Entry("Ingress empty ssl-ciphers", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-ciphers", " "))),
			rejected(ingressWebhook, invalidValue, "must list cipher suites",
				"metadata.annotations[nginx.ingress.kubernetes.io/ssl-ciphers]")),
		Entry("Ingress modern ssl-ciphers", creating(ingress(annotated("nginx.ingress.kubernetes.io/ssl-ciphers",
			"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"))), allowed()),
		snippetEntry("Ingress configuration-snippet", "nginx.ingress.kubernetes.io/configuration-snippet"),
		snippetEntry("Ingress server-snippet", "nginx.ingress.kubernetes.io/server-snippet"),
		snippetEntry("Ingress auth-snippet", "nginx.ingress.kubernetes.io/auth-snippet"),
		snippetEntry("Ingress stream-snippet", "nginx.ingress.kubernetes.io/stream-snippet"),
		snippetEntry("Ingress modsecurity-snippet", "nginx.ingress.kubernetes.io/modsecurity-snippet"),
		snippetEntry("Ingress NGINX Inc server-snippets", "nginx.org/server-snippets"),
		snippetEntry("Ingress NGINX Inc location-snippets", "nginx.org/location-snippets"),
		snippetEntry("Ingress snippet under custom prefix", "ingress.example.com/server-snippet"),
		snippetEntry("Ingress snippet in capitals", "nginx.ingress.kubernetes.io/Configuration-Snippet"),
		Entry("Ingress ALB policy with TLS 1.2", creating(ingressBuilder(albIngress,
			annotated("alb.ingress.kubernetes.io/ssl-policy", "ELBSecurityPolicy-TLS-1-2-2017-01"))),
			rejected(ingressWebhook, invalidValue, "accepts TLS versions below 1.3",
				"metadata.annotations[alb.ingress.kubernetes.io/ssl-policy]")),
		Entry("Ingress ALB HTTP listener", creating(ingressBuilder(albIngress,
			annotated("alb.ingress.kubernetes.io/listen-ports", `[{"HTTP":80},{"HTTPS":443}]`))),
			rejected(ingressWebhook, invalidValue, `set alb.ingress.kubernetes.io/ssl-redirect to "443"`,
				"metadata.annotations[alb.ingress.kubernetes.io/listen-ports]")),
		Entry("Ingress ALB HTTP listener redirected", creating(ingressBuilder(albIngress,
			annotated("alb.ingress.kubernetes.io/listen-ports", `[{"HTTP":80},{"HTTPS":443}]`),
			annotated("alb.ingress.kubernetes.io/ssl-redirect", "443"))), allowed()),
		Entry("Ingress ALB with ACM certificate", creating(ingressBuilder(albIngress)), allowed()),
		Entry("Ingress update adds snippet", updating(ingress(nil),
			func(obj client.Object) {
				setAnnotation(obj, "nginx.ingress.kubernetes.io/server-snippet", "return 200;")
			}),
			rejected(ingressWebhook, forbiddenByRule, "snippet annotations inject raw controller configuration",
				"metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]")),
		Entry("Ingress update adds label", updating(ingress(nil), setLabel("team", "shop")), allowed()),
		Entry("Ingress in kube-system", creating(func(f *fixture) client.Object {
			i := tlsIngress("kube-system", f.name)
			i.Spec.TLS = nil
			return i
		}), allowed()),

		// NetworkPolicy.
		Entry("NetworkPolicy egress to anywhere", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			p := egressPolicy(f.namespace, f.name)
			p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
			return p
		})), rejected(networkPolicyWebhook, requiredValue, "a rule without to allows every destination",
			"spec.egress[0].to")),
		// Kubernetes' own validation rejects an empty peer before the webhook is called.
		Entry("NetworkPolicy egress to empty peer", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, networkingv1.NetworkPolicyPeer{})
		})), verdict{reason: metav1.StatusReasonInvalid, causeType: requiredValue, fix: "must specify a peer",
			fields: []string{"spec.egress[0].to[0]"}}),
		Entry("NetworkPolicy egress to 0.0.0.0/0", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("0.0.0.0/0"))
		})), rejected(networkPolicyWebhook, invalidValue, "list 169.254.169.254/32, 169.254.170.2/32 and "+
			"169.254.170.23/32 in spec.egress[0].to[0].ipBlock.except",
			"spec.egress[0].to[0].ipBlock.cidr")),
		Entry("NetworkPolicy egress to ::/0", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("::/0"))
		})), rejected(networkPolicyWebhook, invalidValue, "list fd00:ec2::254/128 and fd00:ec2::23/128 in "+
			"spec.egress[0].to[0].ipBlock.except",
			"spec.egress[0].to[0].ipBlock.cidr")),
		Entry("NetworkPolicy egress to 0.0.0.0/0 minus metadata", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("0.0.0.0/0", "169.254.169.254/32",
				"169.254.170.2/32", "169.254.170.23/32"))
		})), allowed()),
		Entry("NetworkPolicy egress to 0.0.0.0/0 minus IMDS only", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("0.0.0.0/0", "169.254.169.254/32"))
		})), rejected(networkPolicyWebhook, invalidValue, "list 169.254.170.2/32 and 169.254.170.23/32 in "+
			"spec.egress[0].to[0].ipBlock.except", "spec.egress[0].to[0].ipBlock.cidr")),
		Entry("NetworkPolicy egress to ::/0 minus metadata", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("::/0", "fd00:ec2::254/128", "fd00:ec2::23/128"))
		})), allowed()),
		Entry("NetworkPolicy egress to container credentials range", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("169.254.170.0/24"))
		})), rejected(networkPolicyWebhook, invalidValue, "contains the AWS credential endpoints 169.254.170.2 "+
			"and 169.254.170.23, which hand out IAM credentials; list 169.254.170.2/32 and 169.254.170.23/32 "+
			"in spec.egress[0].to[0].ipBlock.except", "spec.egress[0].to[0].ipBlock.cidr")),
		Entry("NetworkPolicy egress to link-local range", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("169.254.0.0/16", "169.254.170.0/24"),
				ipBlock("fd00:ec2::/32"))
		})), rejected(networkPolicyWebhook, invalidValue, "contains the AWS credential endpoint",
			"spec.egress[0].to[0].ipBlock.cidr", "spec.egress[0].to[1].ipBlock.cidr")),
		Entry("NetworkPolicy egress to VPC range", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("10.0.0.0/16"))
		})), allowed()),
		Entry("NetworkPolicy ingress from anywhere", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			p := ingressPolicy(f.namespace, f.name)
			p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
			return p
		})), rejected(networkPolicyWebhook, requiredValue, "a rule without from admits every source",
			"spec.ingress[0].from")),
		Entry("NetworkPolicy ingress from every namespace", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return ingressPolicy(f.namespace, f.name, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}})
		})), rejected(networkPolicyWebhook, invalidValue, "admits pods of every namespace",
			"spec.ingress[0].from[0].namespaceSelector")),
		Entry("NetworkPolicy ingress from 0.0.0.0/0", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return ingressPolicy(f.namespace, f.name, ipBlock("0.0.0.0/0"))
		})), rejected(networkPolicyWebhook, invalidValue, "admits connections from every address",
			"spec.ingress[0].from[0].ipBlock.cidr")),
		Entry("NetworkPolicy ingress from labelled namespace", creating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return ingressPolicy(f.namespace, f.name, namespacesLabelled(map[string]string{"team": "shop"}))
		})), allowed()),
		Entry("NetworkPolicy update opens egress", updating(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("10.0.0.0/16"))
		}), func(obj client.Object) {
			obj.(*networkingv1.NetworkPolicy).Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
		}), rejected(networkPolicyWebhook, requiredValue, "list the destinations", "spec.egress[0].to")),
		Entry("NetworkPolicy managed update by user", updatingExisting(instanceNetworkPolicy, func(obj client.Object) {
			p := obj.(*networkingv1.NetworkPolicy)
			p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
				To: []networkingv1.NetworkPolicyPeer{ipBlock("10.0.0.0/16")}})
		}), rejected(networkPolicyWebhook, forbiddenByRule, "only the operator may update it",
			"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed label by user", updatingExisting(instanceNetworkPolicy, setLabel("team", "shop")),
			rejected(networkPolicyWebhook, forbiddenByRule, "change the LeadpoetAPI that owns it instead",
				"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed delete by user", deletingExisting(instanceNetworkPolicy),
			forbidden(networkPolicyWebhook, forbiddenByRule, `its owner LeadpoetAPI "shop" still exists; `+
				"change that LeadpoetAPI instead, or delete it, which deletes this NetworkPolicy too",
				"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed delete by garbage collector", as(garbageCollectorUser,
			deletingExisting(instanceNetworkPolicy)),
			forbidden(networkPolicyWebhook, forbiddenByRule, "it can be deleted only after the LeadpoetAPI is deleted",
				"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed delete by namespace controller", as(namespaceControllerUser,
			deletingExisting(instanceNetworkPolicy)),
			forbidden(networkPolicyWebhook, forbiddenByRule, "belongs to a LeadpoetAPI that still exists",
				"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed label by operator", asOperator(updatingExisting(instanceNetworkPolicy,
			setLabel("audit", "checked"))), allowed()),
		Entry("NetworkPolicy managed label on create", creating(networkPolicy(forgedManagedPolicy)),
			rejected(networkPolicyWebhook, forbiddenByRule, "because nobody else could update or delete it afterwards",
				"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("NetworkPolicy managed label on create by operator", asOperator(creating(networkPolicy(forgedManagedPolicy))),
			allowed()),
		Entry("NetworkPolicy unmanaged delete by user", deleting(networkPolicy(func(f *fixture) *networkingv1.NetworkPolicy {
			return egressPolicy(f.namespace, f.name, ipBlock("10.0.0.0/16"))
		})), allowed()),
		Entry("NetworkPolicy egress to anywhere in kube-system", creating(func(f *fixture) client.Object {
			p := egressPolicy("kube-system", f.name)
			p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
			return p
		}), allowed()),

		// Role.
		Entry("Role every verb", creating(roleWith(policyRule([]string{""}, []string{"pods"}, []string{"get", "*"}))),
			rejected(roleWebhook, invalidValue, "list the verbs the subject needs", "rules[0].verbs[1]")),
		Entry("Role every API group", creating(roleWith(policyRule([]string{"*"}, []string{"pods"}, []string{"get"}))),
			rejected(roleWebhook, invalidValue, "grants every API group", "rules[0].apiGroups[0]")),
		Entry("Role every resource", creating(roleWith(podReader, policyRule([]string{""}, []string{"*"}, []string{"get"}))),
			rejected(roleWebhook, invalidValue, "including Secrets and ones added later", "rules[1].resources[0]")),
		Entry("Role every subresource", creating(roleWith(policyRule([]string{""}, []string{"pods/*"}, []string{"get"}))),
			rejected(roleWebhook, invalidValue, "list the resources", "rules[0].resources[0]")),
		Entry("Role escalate", creating(roleWith(policyRule([]string{"rbac.authorization.k8s.io"},
			[]string{"roles"}, []string{"get", "escalate"}))),
			rejected(roleWebhook, invalidValue, "lets the subject gain permissions it does not hold",
				"rules[0].verbs[1]")),
		Entry("Role bind", creating(roleWith(policyRule([]string{"rbac.authorization.k8s.io"},
			[]string{"rolebindings", "roles"}, []string{"bind"}))),
			rejected(roleWebhook, invalidValue, "remove it", "rules[0].verbs[0]")),
		Entry("Role impersonate", creating(roleWith(policyRule([]string{""},
			[]string{"serviceaccounts"}, []string{"impersonate"}))),
			rejected(roleWebhook, invalidValue, "lets the subject gain permissions", "rules[0].verbs[0]")),
		Entry("Role narrow rules", creating(roleWith(podReader)), allowed()),
		Entry("Role update adds wildcard", updating(roleWith(podReader), func(obj client.Object) {
			obj.(*rbacv1.Role).Rules[0].Verbs = []string{"*"}
		}), rejected(roleWebhook, invalidValue, "grants every verb", "rules[0].verbs[0]")),
		Entry("Role delete", deleting(roleWith(podReader)), allowed()),
		Entry("Role system name with wildcard", creating(func(f *fixture) client.Object {
			return role(f.namespace, "system:"+f.name, policyRule([]string{"*"}, []string{"*"}, []string{"*"}))
		}), allowed()),
		Entry("Role wildcard in kube-system", creating(func(f *fixture) client.Object {
			return role("kube-system", f.name, policyRule([]string{"*"}, []string{"*"}, []string{"*"}))
		}), allowed()),

		// ClusterRole.
		Entry("ClusterRole every verb", creating(clusterRoleWith(policyRule([]string{""}, []string{"nodes"}, []string{"*"}))),
			rejected(clusterRoleWebhook, invalidValue, "grants every verb", "rules[0].verbs[0]")),
		Entry("ClusterRole impersonate", creating(clusterRoleWith(policyRule([]string{""}, []string{"users", "groups"},
			[]string{"impersonate"}))),
			rejected(clusterRoleWebhook, invalidValue, "lets the subject gain permissions", "rules[0].verbs[0]")),
		Entry("ClusterRole aggregates wildcard role", creating(aggregating(policyRule([]string{"*"}, []string{"*"},
			[]string{"get"}))),
			rejected(clusterRoleWebhook, invalidValue, "narrow the selector or fix that role",
				"aggregationRule.clusterRoleSelectors[0]", "aggregationRule.clusterRoleSelectors[0]")),
		Entry("ClusterRole aggregates narrow role", creating(aggregating(podReader)), allowed()),
		Entry("ClusterRole non-resource URL wildcard", creating(clusterRoleWith(rbacv1.PolicyRule{
			NonResourceURLs: []string{"/metrics*"}, Verbs: []string{"get"}})), allowed()),
		Entry("ClusterRole update adds escalate", updating(clusterRoleWith(podReader), func(obj client.Object) {
			role := obj.(*rbacv1.ClusterRole)
			role.Rules = append(role.Rules, policyRule([]string{"rbac.authorization.k8s.io"},
				[]string{"clusterroles"}, []string{"escalate"}))
		}), rejected(clusterRoleWebhook, invalidValue, "lets the subject gain permissions", "rules[1].verbs[0]")),
		Entry("ClusterRole system name update with wildcard", updating(func(f *fixture) client.Object {
			return clusterRole("system:"+clusterName(f, "test"), podReader)
		}, func(obj client.Object) {
			obj.(*rbacv1.ClusterRole).Rules[0].Verbs = []string{"*"}
		}), allowed()),
		Entry("ClusterRole bootstrap update with wildcard", updatingBootstrapRole("system:aggregate-to-edit",
			policyRule([]string{"*"}, []string{"*"}, []string{"*"})), allowed()),

		// RoleBinding.
		Entry("RoleBinding instance account to admin", creating(bindingOfInstance(roleRef("ClusterRole", "admin"))),
			rejected(roleBindingWebhook, invalidValue, "binds the ServiceAccount of LeadpoetAPI shop to a broad built-in role",
				"roleRef.name")),
		Entry("RoleBinding instance account to cluster-admin", creating(bindingOfInstance(roleRef("ClusterRole", "cluster-admin"))),
			rejected(roleBindingWebhook, invalidValue, "bind it to a role that lists only what the API needs",
				"roleRef.name")),
		Entry("RoleBinding instance account to edit", creating(bindingOfInstance(roleRef("ClusterRole", "edit"))),
			rejected(roleBindingWebhook, invalidValue, "broad built-in role", "roleRef.name")),
		Entry("RoleBinding instance account to view", creating(bindingOfInstance(roleRef("ClusterRole", "view"))),
			allowed()),
		Entry("RoleBinding instance account to every Secret", creating(secretBinding(serviceAccountOfInstance)),
			rejected(roleBindingWebhook, invalidValue, "grants reading every Secret in the namespace; limit its "+
				"Secret access to resourceNames [shop-db]", "subjects[0]")),
		Entry("RoleBinding instance account to own Secret", creating(secretBinding(serviceAccountOfInstance, "shop-db")),
			allowed()),
		Entry("RoleBinding instance account to other Secret", creating(secretBinding(serviceAccountOfInstance,
			"shop-db", "billing-db")),
			rejected(roleBindingWebhook, invalidValue, "grants reading Secrets [billing-db], which the instance does not own",
				"subjects[0]")),
		Entry("RoleBinding namespace accounts group to every Secret", creating(secretBinding(func(f *fixture) rbacv1.Subject {
			return groupSubject("system:serviceaccounts:" + f.namespace)
		})), rejected(roleBindingWebhook, invalidValue, "of LeadpoetAPI shop\": the role's rules[0] grants reading every Secret", "subjects[0]")),
		Entry("RoleBinding instance user to every Secret", creating(secretBinding(func(f *fixture) rbacv1.Subject {
			return userSubject("system:serviceaccount:" + f.namespace + ":shop")
		})), rejected(roleBindingWebhook, invalidValue, "grants reading every Secret", "subjects[0]")),
		Entry("RoleBinding instance account to missing role", creating(bindingOfInstance(roleRef("Role", "absent"))),
			rejected(roleBindingWebhook, invalidValue, "Role absent does not exist", "roleRef.name")),
		Entry("RoleBinding system:anonymous", creating(bindingOf(groupSubject("system:anonymous"))),
			rejected(roleBindingWebhook, invalidValue, "bind named users, groups or ServiceAccounts",
				"subjects[0].name")),
		Entry("RoleBinding system:unauthenticated", creating(bindingOf(groupSubject("system:unauthenticated"))),
			rejected(roleBindingWebhook, invalidValue, "binds every anonymous or every authenticated user",
				"subjects[0].name")),
		Entry("RoleBinding system:authenticated", creating(bindingOf(groupSubject("system:authenticated"))),
			rejected(roleBindingWebhook, invalidValue, "binds every anonymous or every authenticated user",
				"subjects[0].name")),
		Entry("RoleBinding other account to admin", creating(func(f *fixture) client.Object {
			return roleBinding(f.namespace, f.name, roleRef("ClusterRole", "admin"),
				serviceAccountSubject(f.namespace, "deployer"))
		}), allowed()),
		Entry("RoleBinding update adds authenticated", updating(bindingOf(userSubject("alice")),
			func(obj client.Object) {
				binding := obj.(*rbacv1.RoleBinding)
				binding.Subjects = append(binding.Subjects, groupSubject("system:authenticated"))
			}), rejected(roleBindingWebhook, invalidValue, "binds every anonymous", "subjects[1].name")),

		// ClusterRoleBinding.
		Entry("ClusterRoleBinding instance account to cluster-admin", creating(func(f *fixture) client.Object {
			return clusterRoleBinding(clusterName(f, "crb"), roleRef("ClusterRole", "cluster-admin"),
				serviceAccountSubject(f.namespace, "shop"))
		}), rejected(clusterRoleBindingWebhook, invalidValue, "broad built-in role", "roleRef.name")),
		Entry("ClusterRoleBinding instance account to Secret reader", creating(func(f *fixture) client.Object {
			reader := clusterRole(clusterName(f, "secrets"), policyRule([]string{""}, []string{"secrets"}, []string{"list"}))
			Expect(clientAs("").Create(context.Background(), reader)).To(Succeed())
			cleanUpClusterObject(reader)
			return clusterRoleBinding(clusterName(f, "crb"), roleRef("ClusterRole", reader.Name),
				serviceAccountSubject(f.namespace, "shop"))
		}), rejected(clusterRoleBindingWebhook, invalidValue, "grants reading Secrets in every namespace",
			"subjects[0]")),
		Entry("ClusterRoleBinding system:authenticated", creating(func(f *fixture) client.Object {
			return clusterRoleBinding(clusterName(f, "crb"), roleRef("ClusterRole", "view"),
				groupSubject("system:authenticated"))
		}), rejected(clusterRoleBindingWebhook, invalidValue, "bind named users, groups or ServiceAccounts",
			"subjects[0].name")),
		Entry("ClusterRoleBinding system:anonymous", creating(func(f *fixture) client.Object {
			return clusterRoleBinding(clusterName(f, "crb"), roleRef("ClusterRole", "view"),
				userSubject("system:anonymous"))
		}), rejected(clusterRoleBindingWebhook, invalidValue, "binds every anonymous", "subjects[0].name")),
		Entry("ClusterRoleBinding named group to view", creating(func(f *fixture) client.Object {
			return clusterRoleBinding(clusterName(f, "crb"), roleRef("ClusterRole", "view"), groupSubject("auditors"))
		}), allowed()),
		Entry("ClusterRoleBinding system name", creating(func(f *fixture) client.Object {
			return clusterRoleBinding("system:"+clusterName(f, "crb"), roleRef("ClusterRole", "view"),
				groupSubject("system:authenticated"))
		}), allowed()),

		// ServiceAccount of the instance.
		Entry("ServiceAccount role ARN changed", updatingExisting(instanceServiceAccount,
			setAnnotationTo("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/admin")),
			rejected(serviceAccountWebhook, invalidValue, "change spec.serviceAccount.roleARN of the LeadpoetAPI instead",
				"metadata.annotations[eks.amazonaws.com/role-arn]")),
		Entry("ServiceAccount role ARN removed", updatingExisting(instanceServiceAccount, func(obj client.Object) {
			annotations := obj.GetAnnotations()
			delete(annotations, "eks.amazonaws.com/role-arn")
			obj.SetAnnotations(annotations)
		}), rejected(serviceAccountWebhook, forbiddenByRule, "only the operator may remove the IAM role",
			"metadata.annotations[eks.amazonaws.com/role-arn]")),
		Entry("ServiceAccount automount on", updatingExisting(instanceServiceAccount, func(obj client.Object) {
			obj.(*corev1.ServiceAccount).AutomountServiceAccountToken = new(true)
		}), rejected(serviceAccountWebhook, forbiddenByRule, "set spec.workload.automountServiceAccountToken of the LeadpoetAPI",
			"automountServiceAccountToken")),
		Entry("ServiceAccount automount unset", updatingExisting(instanceServiceAccount, func(obj client.Object) {
			obj.(*corev1.ServiceAccount).AutomountServiceAccountToken = nil
		}), rejected(serviceAccountWebhook, forbiddenByRule, "only the operator may turn it on",
			"automountServiceAccountToken")),
		Entry("ServiceAccount managed-by label removed", updatingExisting(instanceServiceAccount, func(obj client.Object) {
			labels := obj.GetLabels()
			delete(labels, "app.kubernetes.io/managed-by")
			obj.SetLabels(labels)
		}), rejected(serviceAccountWebhook, forbiddenByRule, "delete the LeadpoetAPI to release it",
			"metadata.labels[app.kubernetes.io/managed-by]")),
		Entry("ServiceAccount label added", updatingExisting(instanceServiceAccount, setLabel("team", "shop")),
			allowed()),
		Entry("ServiceAccount role ARN changed by operator", asOperator(updatingExisting(instanceServiceAccount,
			setAnnotationTo("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/shop-next"))), allowed()),
		Entry("ServiceAccount unmanaged role ARN changed", updating(func(f *fixture) client.Object {
			return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: f.name, Namespace: f.namespace}}
		}, setAnnotationTo("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/other")), allowed()),
	)
})

// optIn labels namespace as guarded and removes the label after the container.
func optIn(ctx context.Context, namespace string) {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	Expect(k8s.Patch(ctx, ns, client.RawPatch(types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"platform.leadpoet.io/guarded":"true"}}}`)))).To(Succeed())
	DeferCleanup(func() {
		Expect(k8s.Patch(ctx, ns, client.RawPatch(types.MergePatchType,
			[]byte(`{"metadata":{"labels":{"platform.leadpoet.io/guarded":null}}}`)))).To(Succeed())
	})
}

// Builders for the table. Each takes the entry's fixture so that names and the
// namespace are known only when the entry runs.

// instance returns a builder of a valid nginx instance that mutations then change.
func instance(mutations ...func(*platformv1alpha1.LeadpoetAPI)) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		api := nginxAPI(f.instanceNamespace, f.name)
		for _, mutate := range mutations {
			if mutate != nil {
				mutate(api)
			}
		}
		return api
	}
}

// albInstance is instance for the ALB profile.
func albInstance(mutations ...func(*platformv1alpha1.LeadpoetAPI)) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		api := albAPI(f.instanceNamespace, f.name)
		for _, mutate := range mutations {
			if mutate != nil {
				mutate(api)
			}
		}
		return api
	}
}

func changeInstance(mutations ...func(*platformv1alpha1.LeadpoetAPI)) func(obj client.Object) {
	return func(obj client.Object) {
		for _, mutate := range mutations {
			mutate(obj.(*platformv1alpha1.LeadpoetAPI))
		}
	}
}

func egressTo(cidr string) func(*platformv1alpha1.LeadpoetAPI) {
	return func(api *platformv1alpha1.LeadpoetAPI) {
		api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{Name: "upstream",
			To:    []platformv1alpha1.NetworkPeer{{CIDR: cidr}},
			Ports: []platformv1alpha1.EgressPort{{Port: 443}}}}
	}
}

func hstsSeconds(seconds int64) func(*platformv1alpha1.LeadpoetAPI) {
	return func(api *platformv1alpha1.LeadpoetAPI) {
		api.Spec.Ingress.HSTS = &platformv1alpha1.HSTSSpec{MaxAgeSeconds: new(seconds)}
	}
}

func weakenReason(reason string) func(*platformv1alpha1.LeadpoetAPI) {
	return func(api *platformv1alpha1.LeadpoetAPI) {
		setAnnotation(api, "platform.leadpoet.io/weaken-reason", reason)
	}
}

func ingress(mutate func(*networkingv1.Ingress)) func(f *fixture) client.Object {
	return ingressBuilder(tlsIngress, mutate)
}

func ingressBuilder(base func(namespace, name string) *networkingv1.Ingress,
	mutations ...func(*networkingv1.Ingress)) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		i := base(f.namespace, f.name)
		for _, mutate := range mutations {
			if mutate != nil {
				mutate(i)
			}
		}
		return i
	}
}

func annotated(key, value string) func(*networkingv1.Ingress) {
	return func(i *networkingv1.Ingress) { setAnnotation(i, key, value) }
}

func httpTo(service string) networkingv1.IngressRuleValue {
	return networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{
			Path:     "/",
			PathType: new(networkingv1.PathTypePrefix),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: service, Port: networkingv1.ServiceBackendPort{Number: 80}}},
		}},
	}}
}

// snippetEntry is an entry that creates an Ingress with the snippet annotation key.
func snippetEntry(description, key string) TableEntry {
	return Entry(description, creating(ingress(annotated(key, "more_set_headers \"X-Debug: 1\";"))),
		rejected(ingressWebhook, forbiddenByRule, "remove it and use the controller's dedicated annotations",
			"metadata.annotations["+key+"]"))
}

func setAnnotation(obj client.Object, key, value string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[key] = value
	obj.SetAnnotations(annotations)
}

func setAnnotationTo(key, value string) func(obj client.Object) {
	return func(obj client.Object) { setAnnotation(obj, key, value) }
}

func setLabel(key, value string) func(obj client.Object) {
	return func(obj client.Object) {
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[key] = value
		obj.SetLabels(labels)
	}
}

func networkPolicy(build func(f *fixture) *networkingv1.NetworkPolicy) func(f *fixture) client.Object {
	return func(f *fixture) client.Object { return build(f) }
}

// forgedManagedPolicy is a deny-all policy that carries the operator's managed-by label
// without belonging to any instance.
func forgedManagedPolicy(f *fixture) *networkingv1.NetworkPolicy {
	policy := ingressPolicy(f.namespace, f.name)
	policy.Spec.Ingress = nil
	policy.Labels = map[string]string{"app.kubernetes.io/managed-by": "leadpoet-operator"}
	return policy
}

func instanceNetworkPolicy(f *fixture) client.Object {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: f.instance.Name, Namespace: f.namespace}}
}

func instanceServiceAccount(f *fixture) client.Object {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: f.instance.Name, Namespace: f.namespace}}
}

func roleWith(rules ...rbacv1.PolicyRule) func(f *fixture) client.Object {
	return func(f *fixture) client.Object { return role(f.namespace, f.name, rules...) }
}

func clusterRoleWith(rules ...rbacv1.PolicyRule) func(f *fixture) client.Object {
	return func(f *fixture) client.Object { return clusterRole(clusterName(f, "test"), rules...) }
}

// aggregating creates a system: ClusterRole with rules, which the webhook skips, and
// returns a ClusterRole that aggregates it together with a narrow role.
func aggregating(rules ...rbacv1.PolicyRule) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		label := map[string]string{"test.leadpoet.io/aggregate-to": f.name}
		for _, source := range []*rbacv1.ClusterRole{
			clusterRole("system:"+clusterName(f, "source"), rules...),
			clusterRole(clusterName(f, "narrow"), podReader),
		} {
			source.Labels = label
			Expect(clientAs("").Create(context.Background(), source)).To(Succeed())
			cleanUpClusterObject(source)
		}
		aggregated := clusterRole(clusterName(f, "aggregated"))
		aggregated.AggregationRule = &rbacv1.AggregationRule{
			ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: label}},
		}
		return aggregated
	}
}

// updatingBootstrapRole adds rule to a ClusterRole that kube-apiserver created, and
// restores its rules afterwards.
func updatingBootstrapRole(name string, rule rbacv1.PolicyRule) request {
	return func(f *fixture) error {
		original := &rbacv1.ClusterRole{}
		Expect(k8s.Get(context.Background(), client.ObjectKey{Name: name}, original)).To(Succeed())
		DeferCleanup(func() {
			Expect(updateWithRetry(k8s, clusterRole(name), func(obj client.Object) {
				obj.(*rbacv1.ClusterRole).Rules = original.Rules
			})).To(Succeed())
		})
		return updateWithRetry(f.client, clusterRole(name), func(obj client.Object) {
			role := obj.(*rbacv1.ClusterRole)
			role.Rules = append(role.Rules, rule)
		})
	}
}

func serviceAccountOfInstance(f *fixture) rbacv1.Subject {
	return serviceAccountSubject(f.namespace, f.instance.Name)
}

func bindingOf(subjects ...rbacv1.Subject) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		return roleBinding(f.namespace, f.name, roleRef("ClusterRole", "view"), subjects...)
	}
}

func bindingOfInstance(ref rbacv1.RoleRef) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		return roleBinding(f.namespace, f.name, ref, serviceAccountOfInstance(f))
	}
}

// secretBinding creates a Role that reads Secrets, every Secret when resourceNames is
// empty, and returns a RoleBinding of it to the subject that subject returns.
func secretBinding(subject func(f *fixture) rbacv1.Subject, resourceNames ...string) func(f *fixture) client.Object {
	return func(f *fixture) client.Object {
		reader := role(f.namespace, f.name+"-secrets",
			policyRule([]string{""}, []string{"secrets"}, []string{"get"}, resourceNames...))
		Expect(clientAs("").Create(context.Background(), reader)).To(Succeed())
		return roleBinding(f.namespace, f.name, roleRef("Role", reader.Name), subject(f))
	}
}
