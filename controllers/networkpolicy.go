package controllers

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// NetworkPolicyOptions locate cluster services that every instance's policy refers to.
type NetworkPolicyOptions struct {
	// DNSNamespace and DNSPodLabels select the cluster DNS pods that egress may reach.
	DNSNamespace string
	DNSPodLabels map[string]string
	// NginxNamespace is the ingress-nginx namespace, the default ingress peer of the
	// nginx profile.
	NginxNamespace string
}

// buildNetworkPolicy renders the instance's policy: default deny in both directions,
// ingress from the peers on the container port only, and egress to cluster DNS plus
// the spec's rules. It returns false when no peer may reach the pods.
func buildNetworkPolicy(api *platformv1alpha1.LeadpoetAPI,
	opts NetworkPolicyOptions) (*networkingv1ac.NetworkPolicyApplyConfiguration, bool) {
	spec := networkingv1ac.NetworkPolicySpec().
		WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(api))).
		WithPolicyTypes("Ingress", "Egress")

	peers := ingressPeers(api, opts)
	if len(peers) > 0 {
		spec.WithIngress(networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(peers...).
			WithPorts(networkingv1ac.NetworkPolicyPort().
				WithProtocol(corev1.ProtocolTCP).
				WithPort(intstr.FromInt32(containerPort(api)))))
	}

	spec.WithEgress(networkingv1ac.NetworkPolicyEgressRule().
		WithTo(networkingv1ac.NetworkPolicyPeer().
			WithNamespaceSelector(metav1ac.LabelSelector().
				WithMatchLabels(map[string]string{corev1.LabelMetadataName: opts.DNSNamespace})).
			WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(opts.DNSPodLabels))).
		WithPorts(
			networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolUDP).WithPort(intstr.FromInt32(53)),
			networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(53))))
	for _, rule := range api.Spec.NetworkPolicy.Egress {
		egress := networkingv1ac.NetworkPolicyEgressRule()
		for _, peer := range rule.To {
			egress.WithTo(networkPeer(peer))
		}
		for _, port := range rule.Ports {
			protocol := port.Protocol
			if protocol == "" {
				protocol = corev1.ProtocolTCP
			}
			policyPort := networkingv1ac.NetworkPolicyPort().
				WithProtocol(protocol).
				WithPort(intstr.FromInt32(port.Port))
			if port.EndPort != nil {
				policyPort.WithEndPort(*port.EndPort)
			}
			egress.WithPorts(policyPort)
		}
		spec.WithEgress(egress)
	}

	policy := networkingv1ac.NetworkPolicy(api.Name, api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		WithSpec(spec)
	return policy, len(peers) > 0
}

// ingressPeers returns the spec's peers, or the profile's default when it lists none:
// the ingress-nginx namespace for nginx, and the load balancer's source CIDRs for alb,
// whose targets receive traffic from VPC addresses rather than from pods.
func ingressPeers(api *platformv1alpha1.LeadpoetAPI,
	opts NetworkPolicyOptions) []*networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	var peers []*networkingv1ac.NetworkPolicyPeerApplyConfiguration
	for _, peer := range api.Spec.NetworkPolicy.IngressFrom {
		peers = append(peers, networkPeer(peer))
	}
	if len(peers) > 0 || api.Spec.Ingress == nil {
		return peers
	}
	switch profileOf(api.Spec.Ingress) {
	case platformv1alpha1.IngressProfileNginx:
		peers = append(peers, networkingv1ac.NetworkPolicyPeer().
			WithNamespaceSelector(metav1ac.LabelSelector().
				WithMatchLabels(map[string]string{corev1.LabelMetadataName: opts.NginxNamespace})))
	case platformv1alpha1.IngressProfileALB:
		if api.Spec.Ingress.ALB != nil {
			for _, cidr := range api.Spec.Ingress.ALB.SourceCIDRs {
				peers = append(peers, networkPeer(platformv1alpha1.NetworkPeer{CIDR: cidr}))
			}
		}
	}
	return peers
}

func networkPeer(peer platformv1alpha1.NetworkPeer) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	result := networkingv1ac.NetworkPolicyPeer()
	if peer.CIDR != "" {
		block := networkingv1ac.IPBlock().WithCIDR(peer.CIDR)
		if excluded := metadataAddressesIn(peer.CIDR); len(excluded) > 0 {
			block.WithExcept(excluded...)
		}
		return result.WithIPBlock(block)
	}
	if peer.NamespaceSelector != nil {
		result.WithNamespaceSelector(labelSelector(peer.NamespaceSelector))
	}
	if peer.PodSelector != nil {
		result.WithPodSelector(labelSelector(peer.PodSelector))
	}
	return result
}

// metadataAddressesIn returns, as single-address CIDRs, the AWS credential endpoints
// (policy.MetadataAddresses) that cidr contains. The API
// server has already checked the CIDR's syntax; an unparsable one contains nothing.
func metadataAddressesIn(cidr string) []string {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil
	}
	var contained []string
	for _, address := range policy.MetadataAddresses {
		if prefix.Contains(address) {
			contained = append(contained, netip.PrefixFrom(address, address.BitLen()).String())
		}
	}
	return contained
}
