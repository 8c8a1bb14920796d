package policy

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateServiceAccountUpdate rejects changes to the security settings of a managed
// ServiceAccount by anyone but the operator: its IRSA role annotation, its
// automountServiceAccountToken: false, and the managed-by label that marks it.
// Other changes, such as added labels or image pull secrets, pass.
func ValidateServiceAccountUpdate(old, updated *corev1.ServiceAccount, username string,
	cfg Config) field.ErrorList {
	if !IsManaged(old) || cfg.isOperator(username) {
		return nil
	}
	var errs field.ErrorList
	labelPath := field.NewPath("metadata", "labels").Key(LabelManagedBy)
	if !IsManaged(updated) {
		errs = append(errs, field.Forbidden(labelPath, "only the operator may remove the "+
			"managed-by label of a ServiceAccount it manages; delete the LeadpoetAPI to release it"))
	}

	annotationPath := field.NewPath("metadata", "annotations").Key(AnnotationRoleARN)
	oldRole, hadRole := old.Annotations[AnnotationRoleARN]
	newRole, hasRole := updated.Annotations[AnnotationRoleARN]
	switch {
	case hadRole && !hasRole:
		errs = append(errs, field.Forbidden(annotationPath, "only the operator may remove the "+
			"IAM role of a ServiceAccount it manages; change spec.serviceAccount.roleARN of the "+
			"LeadpoetAPI instead"))
	case oldRole != newRole:
		errs = append(errs, field.Invalid(annotationPath, newRole, "only the operator may "+
			"change the IAM role of a ServiceAccount it manages; change "+
			"spec.serviceAccount.roleARN of the LeadpoetAPI instead"))
	}

	// An unset automountServiceAccountToken means true for pods that do not set their
	// own, so dropping an explicit false turns token mounting back on.
	oldAutomount := old.AutomountServiceAccountToken
	newAutomount := updated.AutomountServiceAccountToken
	if oldAutomount != nil && !*oldAutomount && (newAutomount == nil || *newAutomount) {
		errs = append(errs, field.Forbidden(field.NewPath("automountServiceAccountToken"),
			"the operator turned off API token mounting for this ServiceAccount and only the "+
				"operator may turn it on; set spec.workload.automountServiceAccountToken of the "+
				"LeadpoetAPI instead"))
	}
	return errs
}
