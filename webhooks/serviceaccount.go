package webhooks

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// The objectSelector matches an update when either the old or the new object carries
// the label, so removing the label is still checked.
// +kubebuilder:webhook:path=/validate--v1-serviceaccount,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups="",resources=serviceaccounts,verbs=update,versions=v1,name=vserviceaccount.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]},"objectSelector":{"matchLabels":{"app.kubernetes.io/managed-by":"leadpoet-operator"}}}`

// ServiceAccountValidator applies policy.ValidateServiceAccountUpdate to the
// ServiceAccounts the operator manages.
type ServiceAccountValidator struct {
	config  policy.Config
	auditor auditor
}

var _ admission.Validator[*corev1.ServiceAccount] = &ServiceAccountValidator{}

// ValidateCreate allows every creation; the webhook is not registered for it.
func (v *ServiceAccountValidator) ValidateCreate(context.Context, *corev1.ServiceAccount) (admission.Warnings, error) {
	return nil, nil
}

// ValidateUpdate checks who changes the security settings of a managed ServiceAccount.
func (v *ServiceAccountValidator) ValidateUpdate(ctx context.Context,
	old, updated *corev1.ServiceAccount) (admission.Warnings, error) {
	_, username, _ := requestInfo(ctx)
	errs := policy.ValidateServiceAccountUpdate(old, updated, username, v.config)
	return v.auditor.verdict(ctx, updated, serviceAccountKind, errs, nil)
}

// ValidateDelete allows every deletion; the operator recreates a deleted ServiceAccount.
func (v *ServiceAccountValidator) ValidateDelete(context.Context, *corev1.ServiceAccount) (admission.Warnings, error) {
	return nil, nil
}
