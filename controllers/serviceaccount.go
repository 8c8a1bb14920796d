package controllers

import (
	"strconv"

	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// IRSA annotations read by the EKS pod identity webhook.
const (
	AnnotationRoleARN              = "eks.amazonaws.com/role-arn"
	annotationSTSRegionalEndpoints = "eks.amazonaws.com/sts-regional-endpoints"
	annotationTokenExpiration      = "eks.amazonaws.com/token-expiration"
)

func buildServiceAccount(api *platformv1alpha1.LeadpoetAPI) *corev1ac.ServiceAccountApplyConfiguration {
	spec := api.Spec.ServiceAccount
	account := corev1ac.ServiceAccount(api.Name, api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		// The pods opt in to a Kubernetes API token through the pod spec; the
		// ServiceAccount itself never hands one out.
		WithAutomountServiceAccountToken(false)
	if spec.RoleARN != "" {
		account.WithAnnotations(map[string]string{
			AnnotationRoleARN:              spec.RoleARN,
			annotationSTSRegionalEndpoints: strconv.FormatBool(valueOr(spec.STSRegionalEndpoints, true)),
			annotationTokenExpiration: strconv.FormatInt(
				valueOr(spec.TokenExpirationSeconds, defaultTokenExpiration), 10),
		})
	}
	return account
}
