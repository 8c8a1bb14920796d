package controllers

import (
	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// validateForRender returns why api cannot be rendered, or "" when it can. The CRD
// schema has already checked each field; this covers what it leaves open.
func validateForRender(api *platformv1alpha1.LeadpoetAPI) string {
	if ingress := api.Spec.Ingress; ingress != nil && ingress.TLS == nil {
		return "spec.ingress.tls: Required value: an Ingress is served over HTTPS only; set " +
			"issuerRef, secretName or certificateARN"
	}
	return ""
}
