package policy

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

const (
	maxPort              = 65535
	schemeInternetFacing = "internet-facing"
)

// isEmptySelector reports whether selector is set and selects everything.
func isEmptySelector(selector *metav1.LabelSelector) bool {
	return selector != nil && len(selector.MatchLabels) == 0 && len(selector.MatchExpressions) == 0
}

func boolOr(value *bool, fallback bool) bool {
	if value == nil {
		return fallback
	}
	return *value
}
