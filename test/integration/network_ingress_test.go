package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

var _ = Describe("NetworkPolicy", func() {
	It("denies by default and opens only DNS, the named egress and the ingress controller", func() {
		api := nginxAPI(newNamespace(), "netpol")
		api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{
			{
				Name:  "vpc",
				To:    []platformv1alpha1.NetworkPeer{{CIDR: "10.20.0.0/16"}, {CIDR: "2600:1f18:aaaa::/48"}},
				Ports: []platformv1alpha1.EgressPort{{Port: 5432}},
			},
			{
				Name: "redis",
				To: []platformv1alpha1.NetworkPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "data"}},
					PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "redis"}},
				}},
				Ports: []platformv1alpha1.EgressPort{{Port: 6379, EndPort: ptr.To(int32(6380)), Protocol: corev1.ProtocolTCP}},
			},
		}
		create(api)

		tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
		port := func(protocol corev1.Protocol, number int32) networkingv1.NetworkPolicyPort {
			return networkingv1.NetworkPolicyPort{Protocol: ptr.To(protocol), Port: ptr.To(intstr.FromInt32(number))}
		}
		Eventually(func(g Gomega) {
			policy := &networkingv1.NetworkPolicy{}
			getChild(g, api, policy)
			g.Expect(policy.Spec.PodSelector.MatchLabels).To(Equal(map[string]string{
				"app.kubernetes.io/name": "leadpoet-api", "app.kubernetes.io/instance": "netpol",
			}))
			g.Expect(policy.Spec.PolicyTypes).To(ConsistOf(
				networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress))
			g.Expect(policy.Spec.Ingress).To(Equal([]networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{
						MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"},
					},
				}},
				Ports: []networkingv1.NetworkPolicyPort{port(tcp, 8080)},
			}}))
			g.Expect(policy.Spec.Egress).To(Equal([]networkingv1.NetworkPolicyEgressRule{
				{
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: &metav1.LabelSelector{
							MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"},
						},
						PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
					}},
					Ports: []networkingv1.NetworkPolicyPort{port(udp, 53), port(tcp, 53)},
				},
				{
					To: []networkingv1.NetworkPolicyPeer{
						{IPBlock: &networkingv1.IPBlock{CIDR: "10.20.0.0/16"}},
						{IPBlock: &networkingv1.IPBlock{CIDR: "2600:1f18:aaaa::/48"}},
					},
					Ports: []networkingv1.NetworkPolicyPort{port(tcp, 5432)},
				},
				{
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "data"}},
						PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "redis"}},
					}},
					Ports: []networkingv1.NetworkPolicyPort{{
						Protocol: ptr.To(tcp), Port: ptr.To(intstr.FromInt32(6379)), EndPort: ptr.To(int32(6380)),
					}},
				},
			}))
		}).Should(Succeed())
	})

	It("reports an ALB instance without source CIDRs as unreachable", func() {
		api := albAPI(newNamespace(), "noalbpeers")
		api.Spec.Ingress.ALB.SourceCIDRs = nil
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionNetworkPolicyReady, metav1.ConditionFalse)
		Expect(condition(current, platformv1alpha1.ConditionNetworkPolicyReady).Reason).To(Equal("NoIngressPeers"))
		Expect(condition(current, platformv1alpha1.ConditionNetworkPolicyReady).Message).To(
			ContainSubstring("spec.ingress.alb.sourceCIDRs"))
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))

		policy := &networkingv1.NetworkPolicy{}
		Eventually(func(g Gomega) { getChild(g, api, policy) }).Should(Succeed())
		Expect(policy.Spec.Ingress).To(BeEmpty())
	})
})

var _ = Describe("Ingress profiles", func() {
	It("renders the ALB profile with a TLS 1.3-only policy and listener headers", func() {
		api := create(albAPI(newNamespace(), "alb"))
		current := waitReady(api)
		Expect(condition(current, platformv1alpha1.ConditionTLSPolicyEnforced).Status).To(Equal(metav1.ConditionTrue))
		Expect(condition(current, platformv1alpha1.ConditionSecurityHeadersEnforced).Status).To(Equal(metav1.ConditionTrue))
		limits := condition(current, platformv1alpha1.ConditionRequestLimitsEnforced)
		Expect(limits.Status).To(Equal(metav1.ConditionFalse))
		Expect(limits.Message).To(ContainSubstring("spec.ingress.alb.wafACLARN"))

		ingress := &networkingv1.Ingress{}
		Eventually(func(g Gomega) { getChild(g, api, ingress) }).Should(Succeed())
		Expect(ingress.Spec.IngressClassName).To(Equal(ptr.To("alb")))
		Expect(ingress.Annotations).To(Equal(map[string]string{
			"alb.ingress.kubernetes.io/scheme":          "internal",
			"alb.ingress.kubernetes.io/target-type":     "ip",
			"alb.ingress.kubernetes.io/listen-ports":    `[{"HTTP":80},{"HTTPS":443}]`,
			"alb.ingress.kubernetes.io/ssl-redirect":    "443",
			"alb.ingress.kubernetes.io/ssl-policy":      "ELBSecurityPolicy-TLS13-1-3-2021-06",
			"alb.ingress.kubernetes.io/certificate-arn": api.Spec.Ingress.TLS.CertificateARN,
			"alb.ingress.kubernetes.io/listener-attributes.HTTPS-443": "" +
				"routing.http.response.strict_transport_security.header_value=max-age=31536000; includeSubDomains; preload," +
				"routing.http.response.content_security_policy.header_value=default-src 'none'; frame-ancestors 'none'," +
				"routing.http.response.x_frame_options.header_value=DENY," +
				"routing.http.response.x_content_type_options.header_value=nosniff",
		}))
		Expect(ingress.Spec.TLS).To(Equal([]networkingv1.IngressTLS{{Hosts: []string{"alb.example.com"}}}))
	})

	It("reports request limits as enforced once a WAF web ACL is attached", func() {
		api := albAPI(newNamespace(), "albwaf")
		api.Spec.Ingress.ALB.WAFACLARN = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0a1b2c3d"
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionRequestLimitsEnforced, metav1.ConditionTrue)
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	})

	It("renders the nginx profile without snippet annotations", func() {
		api := create(nginxAPI(newNamespace(), "nginx"))
		waitReady(api)
		ingress := &networkingv1.Ingress{}
		Eventually(func(g Gomega) { getChild(g, api, ingress) }).Should(Succeed())
		Expect(ingress.Spec.IngressClassName).To(Equal(ptr.To("nginx")))
		Expect(ingress.Annotations).To(Equal(map[string]string{
			"nginx.ingress.kubernetes.io/ssl-redirect":              "true",
			"nginx.ingress.kubernetes.io/force-ssl-redirect":        "true",
			"nginx.ingress.kubernetes.io/ssl-ciphers":               "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
			"nginx.ingress.kubernetes.io/ssl-prefer-server-ciphers": "true",
			"nginx.ingress.kubernetes.io/limit-rpm":                 "600",
			"nginx.ingress.kubernetes.io/proxy-body-size":           "1048576",
			"nginx.ingress.kubernetes.io/custom-headers":            api.Namespace + "/nginx-security-headers",
		}))
		Expect(ingress.Spec.TLS).To(Equal([]networkingv1.IngressTLS{{
			Hosts: []string{"nginx.example.com"}, SecretName: "nginx-tls",
		}}))
	})

	It("reports a missing IngressClass and a class of another controller", func() {
		namespace := newNamespace()
		missing := nginxAPI(namespace, "missingclass")
		missing.Spec.Ingress.ClassName = "nginx-internal"
		create(missing)
		current := waitForCondition(missing, platformv1alpha1.ConditionIngressReady, metav1.ConditionFalse)
		Expect(condition(current, platformv1alpha1.ConditionIngressReady).Reason).To(Equal("IngressClassNotFound"))
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))

		mismatch := nginxAPI(namespace, "mismatch")
		mismatch.Spec.Ingress.ClassName = "traefik"
		create(mismatch)
		current = waitForCondition(mismatch, platformv1alpha1.ConditionIngressReady, metav1.ConditionFalse)
		Expect(condition(current, platformv1alpha1.ConditionIngressReady).Reason).To(Equal("IngressClassMismatch"))
		Expect(condition(current, platformv1alpha1.ConditionIngressReady).Message).To(
			ContainSubstring(`"traefik.io/ingress-controller"`))

		// Creating the class later is picked up through the IngressClass watch.
		Expect(k8s.Create(context.Background(), &networkingv1.IngressClass{
			ObjectMeta: metav1.ObjectMeta{Name: "nginx-internal"},
			Spec:       networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"},
		})).To(Succeed())
		DeferCleanup(func() {
			Expect(k8s.Delete(context.Background(), &networkingv1.IngressClass{
				ObjectMeta: metav1.ObjectMeta{Name: "nginx-internal"},
			})).To(Succeed())
		})
		waitReady(missing)
	})
})

// The ingress-nginx ConfigMap is cluster-wide, so these specs run alone.
var _ = Describe("TLSPolicyEnforced on ingress-nginx", Serial, func() {
	ctx := context.Background()

	// setNginxConfig creates or replaces the ConfigMap's data.
	setNginxConfig := func(data map[string]string) {
		configMap := &corev1.ConfigMap{}
		configMap.Name, configMap.Namespace = nginxConfigMapKey.Name, nginxConfigMapKey.Namespace
		_, err := controllerutil.CreateOrUpdate(ctx, k8s, configMap, func() error {
			configMap.Data = data
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
	}
	AfterEach(func() { setNginxConfig(strictNginxConfig()) })

	It("follows the controller ConfigMap's protocols and HSTS keys", func() {
		api := create(nginxAPI(newNamespace(), "tlspolicy"))
		waitForCondition(api, platformv1alpha1.ConditionTLSPolicyEnforced, metav1.ConditionTrue)

		weak := strictNginxConfig()
		weak["ssl-protocols"] = "TLSv1.2 TLSv1.3"
		weak["hsts-preload"] = "false"
		setNginxConfig(weak)
		Eventually(func(g Gomega) {
			found := condition(fetch(g, api), platformv1alpha1.ConditionTLSPolicyEnforced)
			g.Expect(found.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(found.Reason).To(Equal("NotEnforced"))
			g.Expect(found.Message).To(ContainSubstring(`sets ssl-protocols to "TLSv1.2 TLSv1.3"`))
			g.Expect(found.Message).To(ContainSubstring("set hsts-preload to \"true\""))
		}).Should(Succeed())

		setNginxConfig(strictNginxConfig())
		waitForCondition(api, platformv1alpha1.ConditionTLSPolicyEnforced, metav1.ConditionTrue)
	})

	It("falls back to ingress-nginx defaults when the ConfigMap is missing", func() {
		api := create(nginxAPI(newNamespace(), "noconfig"))
		waitForCondition(api, platformv1alpha1.ConditionTLSPolicyEnforced, metav1.ConditionTrue)

		configMap := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, nginxConfigMapKey, configMap)).To(Succeed())
		Expect(k8s.Delete(ctx, configMap)).To(Succeed())
		Eventually(func(g Gomega) {
			found := condition(fetch(g, api), platformv1alpha1.ConditionTLSPolicyEnforced)
			g.Expect(found.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(found.Reason).To(Equal("ControllerConfigNotFound"))
		}).Should(Succeed())
	})
})
