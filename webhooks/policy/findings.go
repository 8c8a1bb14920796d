package policy

import "k8s.io/apimachinery/pkg/util/validation/field"

// findings collects the errors and warnings of several rules.
type findings struct {
	errs     field.ErrorList
	warnings []string
}

func (f *findings) add(errs field.ErrorList, warnings []string) {
	f.errs = append(f.errs, errs...)
	f.warnings = append(f.warnings, warnings...)
}

func (f *findings) result() (field.ErrorList, []string) {
	return f.errs, f.warnings
}
