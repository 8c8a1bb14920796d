package webhooks

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// The LeadpoetAPI webhook runs in every namespace but the system ones: the first
// instance in a namespace is what makes the controller guard that namespace.
// +kubebuilder:webhook:path=/validate-platform-leadpoet-io-v1alpha1-leadpoetapi,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=platform.leadpoet.io,resources=leadpoetapis,verbs=create;update,versions=v1alpha1,name=vleadpoetapi.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]}}`

// LeadpoetAPIValidator applies policy.ValidateLeadpoetAPI and
// policy.ValidateLeadpoetAPIUpdate to LeadpoetAPI requests.
type LeadpoetAPIValidator struct {
	config  policy.Config
	auditor auditor
}

var _ admission.Validator[*platformv1alpha1.LeadpoetAPI] = &LeadpoetAPIValidator{}

// ValidateCreate checks a new instance.
func (v *LeadpoetAPIValidator) ValidateCreate(ctx context.Context,
	api *platformv1alpha1.LeadpoetAPI) (admission.Warnings, error) {
	errs, warnings := policy.ValidateLeadpoetAPI(api, v.config)
	return v.auditor.verdict(ctx, api, leadpoetAPIKind, errs, warnings)
}

// ValidateUpdate checks the new spec and every setting the update weakens. An allowed
// weakening is logged and recorded as an Event with its reason.
func (v *LeadpoetAPIValidator) ValidateUpdate(ctx context.Context,
	old, updated *platformv1alpha1.LeadpoetAPI) (admission.Warnings, error) {
	errs, warnings := policy.ValidateLeadpoetAPIUpdate(old, updated, v.config)
	if len(errs) == 0 {
		v.reportWeakenings(ctx, old, updated)
	}
	return v.auditor.verdict(ctx, updated, leadpoetAPIKind, errs, warnings)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *LeadpoetAPIValidator) ValidateDelete(context.Context,
	*platformv1alpha1.LeadpoetAPI) (admission.Warnings, error) {
	return nil, nil
}

func (v *LeadpoetAPIValidator) reportWeakenings(ctx context.Context,
	old, updated *platformv1alpha1.LeadpoetAPI) {
	weakenings := policy.FindWeakenings(old, updated)
	if len(weakenings) == 0 {
		return
	}
	reason, _ := policy.WeakenReason(old, updated)
	paths := make([]string, 0, len(weakenings))
	for _, weakening := range weakenings {
		paths = append(paths, weakening.Path.String())
	}
	operation, username, dryRun := requestInfo(ctx)
	log.FromContext(ctx).Info("Allowed security weakening", "fields", paths, "reason", reason,
		"dryRun", dryRun)
	if !dryRun {
		v.auditor.record(updated, corev1.EventTypeWarning, ReasonSecurityWeakened, operation,
			username+" weakened "+joinLimited(paths)+" giving the reason: "+reason)
	}
}
