package policy

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateNetworkPolicy checks a NetworkPolicy in a guarded namespace: no rule that
// allows every destination or every source, no range that opens the instance metadata
// endpoint, and no ingress from every namespace.
func ValidateNetworkPolicy(policy *networkingv1.NetworkPolicy) (field.ErrorList, []string) {
	specPath := field.NewPath("spec")
	var result findings
	for i := range policy.Spec.Ingress {
		result.add(validateIngressRule(&policy.Spec.Ingress[i], specPath.Child("ingress").Index(i)))
	}
	for i := range policy.Spec.Egress {
		result.add(validateNetworkEgressRule(&policy.Spec.Egress[i], specPath.Child("egress").Index(i)))
	}
	return result.result()
}

// ValidateNetworkPolicyUpdate checks an update as a create, unless the spec is
// unchanged.
func ValidateNetworkPolicyUpdate(old, updated *networkingv1.NetworkPolicy) (field.ErrorList, []string) {
	if equality.Semantic.DeepEqual(old.Spec, updated.Spec) {
		return nil, nil
	}
	return ValidateNetworkPolicy(updated)
}

func validateIngressRule(rule *networkingv1.NetworkPolicyIngressRule,
	path *field.Path) (field.ErrorList, []string) {
	if len(rule.From) == 0 {
		return field.ErrorList{field.Required(path.Child("from"),
			"a rule without from admits every source; list the peers that may connect")}, nil
	}
	var result findings
	for j := range rule.From {
		peerPath := path.Child("from").Index(j)
		peer := &rule.From[j]
		if isEmptyNetworkPeer(peer) {
			result.errs = append(result.errs, field.Required(peerPath,
				"an empty peer matches every source; set podSelector, namespaceSelector or ipBlock"))
			continue
		}
		if isEmptySelector(peer.NamespaceSelector) {
			result.errs = append(result.errs, field.Invalid(peerPath.Child("namespaceSelector"), "{}",
				"an empty namespaceSelector admits pods of every namespace; select the namespaces by label"))
		}
		if peer.IPBlock != nil {
			blockPath := peerPath.Child("ipBlock")
			result.add(validateCIDR(peer.IPBlock.CIDR, peer.IPBlock.Except, source,
				blockPath.Child("cidr"), blockPath.Child("except")))
		}
	}
	return result.result()
}

func validateNetworkEgressRule(rule *networkingv1.NetworkPolicyEgressRule,
	path *field.Path) (field.ErrorList, []string) {
	if len(rule.To) == 0 {
		return field.ErrorList{field.Required(path.Child("to"),
			"a rule without to allows every destination, including the instance metadata "+
				"endpoint; list the destinations")}, nil
	}
	var result findings
	for j := range rule.To {
		peerPath := path.Child("to").Index(j)
		peer := &rule.To[j]
		if isEmptyNetworkPeer(peer) {
			result.errs = append(result.errs, field.Required(peerPath,
				"an empty peer matches every destination; set podSelector, namespaceSelector or ipBlock"))
			continue
		}
		if isEmptySelector(peer.NamespaceSelector) {
			result.warnings = append(result.warnings,
				fmt.Sprintf(WarningEgressEveryNamespace, peerPath.Child("namespaceSelector")))
		}
		if peer.IPBlock != nil {
			blockPath := peerPath.Child("ipBlock")
			result.add(validateCIDR(peer.IPBlock.CIDR, peer.IPBlock.Except, destination,
				blockPath.Child("cidr"), blockPath.Child("except")))
		}
	}
	return result.result()
}

func isEmptyNetworkPeer(peer *networkingv1.NetworkPolicyPeer) bool {
	return peer.PodSelector == nil && peer.NamespaceSelector == nil && peer.IPBlock == nil
}
