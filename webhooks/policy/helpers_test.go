package policy

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// errorPaths returns the field path of each error, in order.
func errorPaths(errs field.ErrorList) []string {
	paths := make([]string, 0, len(errs))
	for _, err := range errs {
		paths = append(paths, err.Field)
	}
	return paths
}

// checkVerdict asserts the exact error paths and that each expected warning fragment
// appears in some warning.
func checkVerdict(t *testing.T, errs field.ErrorList, warnings []string, wantPaths []string,
	wantWarnings []string) {
	t.Helper()
	if got := errorPaths(errs); !slices.Equal(got, wantPaths) {
		t.Errorf("error paths = %q, want %q\nerrors: %v", got, wantPaths, errs)
	}
	for _, fragment := range wantWarnings {
		if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, fragment) }) {
			t.Errorf("no warning contains %q; warnings: %q", fragment, warnings)
		}
	}
	if len(wantWarnings) == 0 && len(warnings) > 0 {
		t.Errorf("unexpected warnings: %q", warnings)
	}
}

func ptr[T any](value T) *T {
	return &value
}
