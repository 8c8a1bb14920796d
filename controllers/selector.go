package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

// labelSelector copies a label selector into its apply configuration, keeping an
// empty selector empty rather than absent, because an empty selector means "all".
func labelSelector(selector *metav1.LabelSelector) *metav1ac.LabelSelectorApplyConfiguration {
	result := metav1ac.LabelSelector()
	if len(selector.MatchLabels) > 0 {
		result.WithMatchLabels(selector.MatchLabels)
	}
	for _, requirement := range selector.MatchExpressions {
		result.WithMatchExpressions(metav1ac.LabelSelectorRequirement().
			WithKey(requirement.Key).
			WithOperator(requirement.Operator).
			WithValues(requirement.Values...))
	}
	return result
}
