package policy

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// networkWeakenings finds peers and ports that updated allows and old did not.
//
// NOTE: an empty ingressFrom means the profile's default peers, which the rules cannot
// see, so moving from the default to an explicit list is not reported as a weakening.
// The explicit list still has to pass the create rules.
func networkWeakenings(old, updated *platformv1alpha1.NetworkPolicySpec, path *field.Path) []Weakening {
	var weakenings []Weakening
	if len(old.IngressFrom) > 0 {
		for i := range updated.IngressFrom {
			peer := &updated.IngressFrom[i]
			if !peerCoveredByAny(peer, old.IngressFrom) {
				weakenings = append(weakenings, Weakening{Path: path.Child("ingressFrom").Index(i),
					Change: fmt.Sprintf("admits connections from %s, which the previous spec did not",
						describePeer(peer))})
			}
		}
	}
	for i := range updated.Egress {
		weakenings = append(weakenings,
			egressRuleWeakenings(&updated.Egress[i], old.Egress, path.Child("egress").Index(i))...)
	}
	return weakenings
}

// egressRuleWeakenings reports each destination of rule that no old rule allowed at
// all, and each port that no old rule allowed to a destination that was allowed.
func egressRuleWeakenings(rule *platformv1alpha1.EgressRule, old []platformv1alpha1.EgressRule,
	path *field.Path) []Weakening {
	var weakenings []Weakening
	reported := map[string]bool{}
	report := func(path *field.Path, change string) {
		if !reported[path.String()] {
			reported[path.String()] = true
			weakenings = append(weakenings, Weakening{Path: path, Change: change})
		}
	}
	for j := range rule.To {
		peer := &rule.To[j]
		if !peerKnownToAny(peer, old) {
			report(path.Child("to").Index(j), fmt.Sprintf(
				"allows connections to %s, which the previous spec did not", describePeer(peer)))
			continue
		}
		for k := range rule.Ports {
			if !egressCovered(peer, &rule.Ports[k], old) {
				report(path.Child("ports").Index(k), fmt.Sprintf(
					"allows %s to %s, which the previous spec did not",
					describePort(&rule.Ports[k]), describePeer(peer)))
			}
		}
	}
	return weakenings
}

func peerKnownToAny(peer *platformv1alpha1.NetworkPeer, rules []platformv1alpha1.EgressRule) bool {
	for i := range rules {
		if peerCoveredByAny(peer, rules[i].To) {
			return true
		}
	}
	return false
}

func egressCovered(peer *platformv1alpha1.NetworkPeer, port *platformv1alpha1.EgressPort,
	rules []platformv1alpha1.EgressRule) bool {
	for i := range rules {
		if !peerCoveredByAny(peer, rules[i].To) {
			continue
		}
		for k := range rules[i].Ports {
			if portCovers(&rules[i].Ports[k], port) {
				return true
			}
		}
	}
	return false
}

func peerCoveredByAny(peer *platformv1alpha1.NetworkPeer, candidates []platformv1alpha1.NetworkPeer) bool {
	for i := range candidates {
		if peerCovers(&candidates[i], peer) {
			return true
		}
	}
	return false
}

// peerCovers reports whether outer matches everything inner matches. Selectors are
// compared by equality, except that a peer without a podSelector, or with an empty
// one, covers every podSelector in the same namespaces. Anything the comparison cannot
// prove counts as not covered.
func peerCovers(outer, inner *platformv1alpha1.NetworkPeer) bool {
	if outer.CIDR != "" || inner.CIDR != "" {
		return outer.CIDR != "" && inner.CIDR != "" && cidrCoveredByAny(inner.CIDR, []string{outer.CIDR})
	}
	if outer.NamespaceSelector == nil && outer.PodSelector == nil {
		return false
	}
	if !equality.Semantic.DeepEqual(outer.NamespaceSelector, inner.NamespaceSelector) {
		return false
	}
	return outer.PodSelector == nil || isEmptySelector(outer.PodSelector) ||
		equality.Semantic.DeepEqual(outer.PodSelector, inner.PodSelector)
}

func cidrCoveredByAny(cidr string, candidates []string) bool {
	inner, err := parseCIDR(cidr)
	if err != nil {
		return false
	}
	for _, candidate := range candidates {
		outer, err := parseCIDR(candidate)
		if err == nil && containsPrefix(outer, inner) {
			return true
		}
	}
	return false
}

func portCovers(outer, inner *platformv1alpha1.EgressPort) bool {
	if protocolOf(outer) != protocolOf(inner) {
		return false
	}
	outerFirst, outerLast := portBounds(outer)
	innerFirst, innerLast := portBounds(inner)
	return outerFirst <= innerFirst && innerLast <= outerLast
}

func protocolOf(port *platformv1alpha1.EgressPort) corev1.Protocol {
	if port.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return port.Protocol
}

func portBounds(port *platformv1alpha1.EgressPort) (first, last int32) {
	if port.EndPort == nil {
		return port.Port, port.Port
	}
	return port.Port, *port.EndPort
}

func describePort(port *platformv1alpha1.EgressPort) string {
	first, last := portBounds(port)
	if first == last {
		return fmt.Sprintf("%s port %d", protocolOf(port), first)
	}
	return fmt.Sprintf("%s ports %d-%d", protocolOf(port), first, last)
}

func describePeer(peer *platformv1alpha1.NetworkPeer) string {
	if peer.CIDR != "" {
		return peer.CIDR
	}
	description := "pods"
	if peer.PodSelector != nil {
		description = "pods matching " + describeSelector(peer.PodSelector)
	}
	if peer.NamespaceSelector != nil {
		return description + " in namespaces matching " + describeSelector(peer.NamespaceSelector)
	}
	return description + " in the same namespace"
}

func describeSelector(selector *metav1.LabelSelector) string {
	text := metav1.FormatLabelSelector(selector)
	if text == "" || text == "<none>" {
		return "{}"
	}
	return "{" + text + "}"
}
