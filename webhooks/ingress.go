package webhooks

import (
	"context"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// +kubebuilder:webhook:path=/validate-networking-k8s-io-v1-ingress,mutating=false,failurePolicy=fail,sideEffects=NoneOnDryRun,groups=networking.k8s.io,resources=ingresses,verbs=create;update,versions=v1,name=vingress.platform.leadpoet.io,admissionReviewVersions=v1,timeoutSeconds=5,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"platform.leadpoet.io/guarded","operator":"In","values":["true"]},{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","leadpoet-system"]}]}}`

// IngressValidator applies policy.ValidateIngress to Ingresses in guarded namespaces.
type IngressValidator struct {
	config  policy.Config
	auditor auditor
}

var _ admission.Validator[*networkingv1.Ingress] = &IngressValidator{}

// ValidateCreate checks a new Ingress.
func (v *IngressValidator) ValidateCreate(ctx context.Context,
	ingress *networkingv1.Ingress) (admission.Warnings, error) {
	errs, warnings := policy.ValidateIngress(ingress, v.config)
	return v.auditor.verdict(ctx, ingress, ingressKind, errs, warnings)
}

// ValidateUpdate checks a changed Ingress as a new one.
func (v *IngressValidator) ValidateUpdate(ctx context.Context,
	old, updated *networkingv1.Ingress) (admission.Warnings, error) {
	errs, warnings := policy.ValidateIngressUpdate(old, updated, v.config)
	return v.auditor.verdict(ctx, updated, ingressKind, errs, warnings)
}

// ValidateDelete allows every deletion; the webhook is not registered for it.
func (v *IngressValidator) ValidateDelete(context.Context, *networkingv1.Ingress) (admission.Warnings, error) {
	return nil, nil
}
