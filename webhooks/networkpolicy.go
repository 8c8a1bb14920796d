package webhooks

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// +kubebuilder:webhook:path=/validate-networking-k8s-io-v1-networkpolicy,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=networking.k8s.io,resources=networkpolicies,verbs=create;update;delete,versions=v1,name=vnetworkpolicy.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"platform.leadpoet.io/guarded","operator":"In","values":["true"]},{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]}}`

// NetworkPolicyValidator applies policy.ValidateNetworkPolicy to NetworkPolicies in
// guarded namespaces, and reserves creating, updating and deleting policies labelled as
// managed to the operator.
type NetworkPolicyValidator struct {
	config  policy.Config
	owners  ownerLookup
	auditor auditor
}

var _ admission.Validator[*networkingv1.NetworkPolicy] = &NetworkPolicyValidator{}

// ValidateCreate checks who creates a policy labelled as managed, and the rules.
func (v *NetworkPolicyValidator) ValidateCreate(ctx context.Context,
	networkPolicy *networkingv1.NetworkPolicy) (admission.Warnings, error) {
	errs, err := v.checkManagedWrite(ctx, networkPolicy, policy.OperationCreate)
	ruleErrs, warnings := policy.ValidateNetworkPolicy(networkPolicy)
	errs = append(errs, ruleErrs...)
	return v.auditor.lookupVerdict(ctx, networkPolicy, networkPolicyKind, errs, warnings, err)
}

// ValidateUpdate checks who updates a managed policy, and the new rules.
func (v *NetworkPolicyValidator) ValidateUpdate(ctx context.Context,
	old, updated *networkingv1.NetworkPolicy) (admission.Warnings, error) {
	errs, err := v.checkManagedWrite(ctx, old, policy.OperationUpdate)
	ruleErrs, warnings := policy.ValidateNetworkPolicyUpdate(old, updated)
	errs = append(errs, ruleErrs...)
	return v.auditor.lookupVerdict(ctx, updated, networkPolicyKind, errs, warnings, err)
}

// ValidateDelete checks who deletes a managed policy.
func (v *NetworkPolicyValidator) ValidateDelete(ctx context.Context,
	networkPolicy *networkingv1.NetworkPolicy) (admission.Warnings, error) {
	errs, err := v.checkManagedWrite(ctx, networkPolicy, policy.OperationDelete)
	return v.auditor.lookupVerdict(ctx, networkPolicy, networkPolicyKind, errs, nil, err)
}

// checkManagedWrite looks up the owner for every delete of a managed policy, since
// anyone may delete one whose owner is gone, and for updates by the controller-manager
// loops that may clean up. Other requests cost no API call.
func (v *NetworkPolicyValidator) checkManagedWrite(ctx context.Context,
	networkPolicy *networkingv1.NetworkPolicy, operation policy.Operation) (field.ErrorList, error) {
	if !policy.IsManaged(networkPolicy) {
		return nil, nil
	}
	_, username, _ := requestInfo(ctx)
	write := policy.Write{Operation: operation, Username: username}
	cleanup := v.config.IsCleanupUser(username) && operation != policy.OperationCreate
	if cleanup || operation == policy.OperationDelete {
		var err error
		if write.OwnerGone, err = v.owners.OwnerGone(ctx, networkPolicy); err != nil {
			return nil, fmt.Errorf("check the owner of NetworkPolicy %s/%s: %w",
				networkPolicy.Namespace, networkPolicy.Name, err)
		}
	}
	if cleanup {
		var err error
		if write.NamespaceTerminating, err = v.owners.NamespaceTerminating(ctx, networkPolicy.Namespace); err != nil {
			return nil, fmt.Errorf("check namespace %s: %w", networkPolicy.Namespace, err)
		}
	}
	return policy.ValidateManagedWrite(networkPolicy, "NetworkPolicy", write, v.config), nil
}
