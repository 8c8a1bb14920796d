package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateRoleBinding checks a RoleBinding: no public subjects, and no instance
// ServiceAccount bound to a broad role or to Secrets its instance does not own.
func ValidateRoleBinding(ctx context.Context, binding *rbacv1.RoleBinding,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if IsExemptRBACName(binding.Name) {
		return nil, nil, nil
	}
	return validateBinding(ctx, binding.Namespace, binding.Subjects, binding.RoleRef, lookup)
}

// ValidateRoleBindingUpdate checks an update as a create, unless the subjects and the
// role are unchanged.
func ValidateRoleBindingUpdate(ctx context.Context, old, updated *rbacv1.RoleBinding,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if equality.Semantic.DeepEqual(old.Subjects, updated.Subjects) && old.RoleRef == updated.RoleRef {
		return nil, nil, nil
	}
	return ValidateRoleBinding(ctx, updated, lookup)
}

// ValidateClusterRoleBinding checks a ClusterRoleBinding like a RoleBinding; its grants
// hold in every namespace.
func ValidateClusterRoleBinding(ctx context.Context, binding *rbacv1.ClusterRoleBinding,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if IsExemptRBACName(binding.Name) {
		return nil, nil, nil
	}
	return validateBinding(ctx, "", binding.Subjects, binding.RoleRef, lookup)
}

// ValidateClusterRoleBindingUpdate checks an update as a create, unless the subjects
// and the role are unchanged.
func ValidateClusterRoleBindingUpdate(ctx context.Context, old, updated *rbacv1.ClusterRoleBinding,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if equality.Semantic.DeepEqual(old.Subjects, updated.Subjects) && old.RoleRef == updated.RoleRef {
		return nil, nil, nil
	}
	return ValidateClusterRoleBinding(ctx, updated, lookup)
}

// validateBinding checks the subjects of a binding in namespace, or of a
// ClusterRoleBinding when namespace is empty.
func validateBinding(ctx context.Context, namespace string, subjects []rbacv1.Subject,
	ref rbacv1.RoleRef, lookup RBACLookup) (field.ErrorList, []string, error) {
	subjectsPath := field.NewPath("subjects")
	var errs field.ErrorList
	for i, subject := range subjects {
		if (subject.Kind == rbacv1.UserKind || subject.Kind == rbacv1.GroupKind) &&
			slices.Contains(publicSubjects, subject.Name) {
			errs = append(errs, field.Invalid(subjectsPath.Index(i).Child("name"), subject.Name,
				"binds every anonymous or every authenticated user; bind named users, groups "+
					"or ServiceAccounts"))
		}
	}

	bound, err := boundInstanceAccounts(ctx, namespace, subjects, lookup)
	if err != nil || len(bound) == 0 {
		return errs, nil, err
	}
	rules, found, err := lookup.RoleRules(ctx, namespace, ref)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s %s: %w", ref.Kind, ref.Name, err)
	}
	refPath := field.NewPath("roleRef", "name")
	switch {
	case ref.Kind == "ClusterRole" && slices.Contains(broadClusterRoles, ref.Name):
		errs = append(errs, field.Invalid(refPath, ref.Name, fmt.Sprintf("binds the "+
			"ServiceAccount of LeadpoetAPI %s to a broad built-in role; bind it to a role that "+
			"lists only what the API needs", bound[0].account.Instance)))
		return errs, nil, nil
	case !found:
		errs = append(errs, field.Invalid(refPath, ref.Name, fmt.Sprintf("%s %s does not exist, "+
			"so what it grants the ServiceAccount of LeadpoetAPI %s cannot be checked; create "+
			"the role first", ref.Kind, ref.Name, bound[0].account.Instance)))
		return errs, nil, nil
	}
	for _, entry := range bound {
		errs = append(errs, instanceGrantErrors(namespace, entry.account, rules,
			subjectsPath.Index(entry.subject))...)
	}
	return errs, nil, nil
}

type boundAccount struct {
	subject int
	account InstanceAccount
}

// boundInstanceAccounts resolves the subjects to instance ServiceAccounts. A subject
// names them as a ServiceAccount, as the user system:serviceaccount:<ns>:<name>, or
// through the groups system:serviceaccounts and system:serviceaccounts:<ns>.
func boundInstanceAccounts(ctx context.Context, namespace string, subjects []rbacv1.Subject,
	lookup RBACLookup) ([]boundAccount, error) {
	byNamespace := map[string][]InstanceAccount{}
	accountsIn := func(ns string) ([]InstanceAccount, error) {
		if accounts, cached := byNamespace[ns]; cached {
			return accounts, nil
		}
		accounts, err := lookup.InstanceAccounts(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("list LeadpoetAPI instances: %w", err)
		}
		byNamespace[ns] = accounts
		return accounts, nil
	}

	var bound []boundAccount
	for i, subject := range subjects {
		ns, name, all := subjectAccounts(subject, namespace)
		if ns == "" && !all {
			continue
		}
		accounts, err := accountsIn(ns)
		if err != nil {
			return nil, err
		}
		for _, account := range accounts {
			if all || account.Name == name {
				bound = append(bound, boundAccount{subject: i, account: account})
			}
		}
	}
	return bound, nil
}

// subjectAccounts returns the ServiceAccounts a subject names: one account (ns, name),
// every account of ns (all with ns set), every account in the cluster (all with ns
// empty), or none (ns empty and all false).
func subjectAccounts(subject rbacv1.Subject, bindingNamespace string) (ns, name string, all bool) {
	switch subject.Kind {
	case rbacv1.ServiceAccountKind:
		ns = subject.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		return ns, subject.Name, false
	case rbacv1.UserKind:
		rest, isAccount := strings.CutPrefix(subject.Name, serviceAccountUserPrefix)
		if ns, name, found := strings.Cut(rest, ":"); isAccount && found && ns != "" {
			return ns, name, false
		}
	case rbacv1.GroupKind:
		if subject.Name == serviceAccountsGroup {
			return "", "", true
		}
		if ns, found := strings.CutPrefix(subject.Name, serviceAccountsNamespaceGroup); found && ns != "" {
			return ns, "", true
		}
	}
	return "", "", false
}

// instanceGrantErrors checks the rules granted to an instance's ServiceAccount by a
// binding in bindingNamespace (empty for a ClusterRoleBinding).
func instanceGrantErrors(bindingNamespace string, account InstanceAccount,
	rules []rbacv1.PolicyRule, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	subject := fmt.Sprintf("ServiceAccount %s/%s of LeadpoetAPI %s", account.Namespace,
		account.Name, account.Instance)
	for _, violation := range ruleViolations(rules) {
		errs = append(errs, field.Invalid(path, subject, fmt.Sprintf("the role's rules[%d].%s "+
			"%s; bind the ServiceAccount only to roles without wildcards or escalating verbs",
			violation.rule, violation.field, violation.detail)))
	}
	for i, rule := range rules {
		if problem := secretReadProblem(bindingNamespace, account, rule); problem != "" {
			fix := fmt.Sprintf("remove Secret read access from the role, because LeadpoetAPI %s "+
				"syncs no Secrets", account.Instance)
			if len(account.SecretNames) > 0 {
				fix = fmt.Sprintf("limit its Secret access to resourceNames [%s] in namespace %s",
					strings.Join(account.SecretNames, ", "), account.Namespace)
			}
			errs = append(errs, field.Invalid(path, subject, fmt.Sprintf("the role's rules[%d] %s; %s",
				i, problem, fix)))
		}
	}
	return errs
}

// secretReadProblem describes how rule lets account read Secrets beyond its instance's
// own, or returns "" when it does not.
func secretReadProblem(bindingNamespace string, account InstanceAccount, rule rbacv1.PolicyRule) string {
	readsSecrets := (slices.Contains(rule.APIGroups, "") || slices.Contains(rule.APIGroups, rbacv1.APIGroupAll)) &&
		(slices.Contains(rule.Resources, "secrets") || slices.Contains(rule.Resources, rbacv1.ResourceAll)) &&
		slices.ContainsFunc(rule.Verbs, func(verb string) bool {
			return slices.Contains(secretReadVerbs, strings.ToLower(verb))
		})
	switch {
	case !readsSecrets:
		return ""
	case bindingNamespace == "":
		return "grants reading Secrets in every namespace"
	case bindingNamespace != account.Namespace:
		return fmt.Sprintf("grants reading Secrets in namespace %s, where the instance owns none",
			bindingNamespace)
	case len(rule.ResourceNames) == 0:
		return "grants reading every Secret in the namespace"
	}
	var foreign []string
	for _, name := range rule.ResourceNames {
		if !slices.Contains(account.SecretNames, name) {
			foreign = append(foreign, name)
		}
	}
	if len(foreign) > 0 {
		return fmt.Sprintf("grants reading Secrets %v, which the instance does not own", foreign)
	}
	return ""
}
