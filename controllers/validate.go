package controllers

import (
	"strings"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// validateForRender returns why api cannot be rendered, or "" when it can. It runs the
// same security rules as the admission webhook, so an object stored while the webhook
// was down, or before a rule existed, is stalled instead of rendered weaker.
func validateForRender(api *platformv1alpha1.LeadpoetAPI, cfg policy.Config) string {
	errs, _ := policy.ValidateLeadpoetAPI(api, cfg)
	if len(errs) == 0 {
		return ""
	}
	messages := make([]string, 0, len(errs))
	for _, err := range errs {
		messages = append(messages, err.Error())
	}
	return strings.Join(messages, "; ")
}
