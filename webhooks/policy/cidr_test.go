package policy

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A rejection names every credential endpoint left open, so that one fix suffices.
func TestValidateCIDRNamesEveryOpenEndpoint(t *testing.T) {
	path := field.NewPath("spec", "egress").Index(0).Child("to").Index(0).Child("ipBlock")
	errs, _ := validateCIDR("0.0.0.0/0", []string{"169.254.169.254/32"}, destination,
		path.Child("cidr"), path.Child("except"))
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
	}
	want := "allows every address, including the AWS credential endpoints 169.254.170.2 and " +
		"169.254.170.23, which hand out IAM credentials; list the ranges the pods need, or list " +
		"169.254.170.2/32 and 169.254.170.23/32 in spec.egress[0].to[0].ipBlock.except or use " +
		"ranges that leave them out"
	if errs[0].Detail != want {
		t.Errorf("detail = %q, want %q", errs[0].Detail, want)
	}

	errs, _ = validateCIDR("169.254.170.23/32", nil, destination, path.Child("cidr"), nil)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail,
		"contains the AWS credential endpoint 169.254.170.23, which hands out IAM credentials; "+
			"use ranges that leave it out") {
		t.Errorf("got %v, want one error naming 169.254.170.23", errs)
	}

	// A source range cannot reach an endpoint, so ingress from it stays allowed.
	if errs, _ := validateCIDR("169.254.170.0/24", nil, source, path.Child("cidr"), nil); len(errs) != 0 {
		t.Errorf("source range: got %v, want no errors", errs)
	}
}
