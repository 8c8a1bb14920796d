package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// BootstrapRBACNames are the default roles and bindings without a system: prefix that
// kube-apiserver creates and reconciles at start-up. They hold wildcards and
// impersonation by design, so the RBAC rules skip them like system: objects.
var BootstrapRBACNames = []string{"cluster-admin", "admin", "edit", "view"}

// broadClusterRoles may not be bound to an instance's ServiceAccount.
var broadClusterRoles = []string{"cluster-admin", "admin", "edit"}

// publicSubjects name every anonymous or every authenticated user.
var publicSubjects = []string{"system:anonymous", "system:unauthenticated", "system:authenticated"}

// escalatingVerbs let a subject gain permissions it does not hold.
var escalatingVerbs = []string{"escalate", "bind", "impersonate"}

// secretReadVerbs read Secret data.
var secretReadVerbs = []string{"get", "list", "watch", rbacv1.VerbAll}

// Usernames and group names under which the API server authenticates ServiceAccounts.
const (
	serviceAccountUserPrefix      = "system:serviceaccount:"
	serviceAccountsGroup          = "system:serviceaccounts"
	serviceAccountsNamespaceGroup = "system:serviceaccounts:"
)

// InstanceAccount is the ServiceAccount of one LeadpoetAPI instance and the Secrets that
// instance owns.
type InstanceAccount struct {
	Namespace string
	Name      string
	// Instance is the LeadpoetAPI's name.
	Instance string
	// SecretNames are the Secrets the instance syncs, in Namespace.
	SecretNames []string
}

// RBACLookup reads the cluster state that the RBAC rules need.
type RBACLookup interface {
	// InstanceAccounts returns the instance ServiceAccounts in namespace, or in every
	// namespace when namespace is empty.
	InstanceAccounts(ctx context.Context, namespace string) ([]InstanceAccount, error)
	// RoleRules returns the rules of the role that ref names: a Role in namespace or a
	// ClusterRole. found is false when the role does not exist.
	RoleRules(ctx context.Context, namespace string, ref rbacv1.RoleRef) (
		rules []rbacv1.PolicyRule, found bool, err error)
	// ClusterRolesMatching returns the ClusterRoles whose labels match selector.
	ClusterRolesMatching(ctx context.Context, selector metav1.LabelSelector) ([]rbacv1.ClusterRole, error)
}

// IsExemptRBACName reports whether an RBAC object of this name is left to Kubernetes:
// system: objects and the bootstrap roles and bindings.
func IsExemptRBACName(name string) bool {
	return strings.HasPrefix(name, "system:") || slices.Contains(BootstrapRBACNames, name)
}

// ValidateRole checks a Role's rules for wildcards and escalating verbs.
func ValidateRole(role *rbacv1.Role) (field.ErrorList, []string) {
	if IsExemptRBACName(role.Name) {
		return nil, nil
	}
	return validateRules(role.Rules, field.NewPath("rules"))
}

// ValidateRoleUpdate checks an update as a create, unless the rules are unchanged.
func ValidateRoleUpdate(old, updated *rbacv1.Role) (field.ErrorList, []string) {
	if equality.Semantic.DeepEqual(old.Rules, updated.Rules) {
		return nil, nil
	}
	return ValidateRole(updated)
}

// ValidateClusterRole checks a ClusterRole's rules and, for an aggregated ClusterRole,
// the rules of every ClusterRole its selectors match, since those become its rules.
func ValidateClusterRole(ctx context.Context, role *rbacv1.ClusterRole,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if IsExemptRBACName(role.Name) {
		return nil, nil, nil
	}
	errs, warnings := validateRules(role.Rules, field.NewPath("rules"))
	if role.AggregationRule == nil {
		return errs, warnings, nil
	}
	selectorsPath := field.NewPath("aggregationRule", "clusterRoleSelectors")
	for i, selector := range role.AggregationRule.ClusterRoleSelectors {
		sources, err := lookup.ClusterRolesMatching(ctx, selector)
		if err != nil {
			return nil, nil, fmt.Errorf("list ClusterRoles matching %s: %w",
				describeSelector(&selector), err)
		}
		for _, sourceRole := range sources {
			if sourceRole.Name == role.Name {
				continue
			}
			for _, violation := range ruleViolations(sourceRole.Rules) {
				errs = append(errs, field.Invalid(selectorsPath.Index(i), describeSelector(&selector),
					fmt.Sprintf("selects ClusterRole %q, whose rules[%d].%s %s; narrow the selector "+
						"or fix that role", sourceRole.Name, violation.rule, violation.field, violation.detail)))
			}
		}
	}
	return errs, warnings, nil
}

// ValidateClusterRoleUpdate checks an update as a create, unless the rules and the
// aggregation rule are unchanged.
func ValidateClusterRoleUpdate(ctx context.Context, old, updated *rbacv1.ClusterRole,
	lookup RBACLookup) (field.ErrorList, []string, error) {
	if equality.Semantic.DeepEqual(old.Rules, updated.Rules) &&
		equality.Semantic.DeepEqual(old.AggregationRule, updated.AggregationRule) {
		return nil, nil, nil
	}
	return ValidateClusterRole(ctx, updated, lookup)
}

// ruleViolation is one forbidden entry of a PolicyRule.
type ruleViolation struct {
	rule   int
	field  string
	index  int
	value  string
	detail string
}

func ruleViolations(rules []rbacv1.PolicyRule) []ruleViolation {
	var violations []ruleViolation
	for i, rule := range rules {
		for j, verb := range rule.Verbs {
			switch {
			case verb == rbacv1.VerbAll:
				violations = append(violations, ruleViolation{i, "verbs", j, verb,
					"grants every verb, including ones added later; list the verbs the subject needs"})
			case slices.Contains(escalatingVerbs, strings.ToLower(verb)):
				violations = append(violations, ruleViolation{i, "verbs", j, verb,
					"lets the subject gain permissions it does not hold; remove it"})
			}
		}
		for j, group := range rule.APIGroups {
			if group == rbacv1.APIGroupAll {
				violations = append(violations, ruleViolation{i, "apiGroups", j, group,
					"grants every API group, including ones added later; list the groups"})
			}
		}
		for j, resource := range rule.Resources {
			if strings.Contains(resource, "*") {
				violations = append(violations, ruleViolation{i, "resources", j, resource,
					"grants every matching resource, including Secrets and ones added later; " +
						"list the resources"})
			}
		}
	}
	return violations
}

func validateRules(rules []rbacv1.PolicyRule, path *field.Path) (field.ErrorList, []string) {
	var result findings
	for _, violation := range ruleViolations(rules) {
		result.errs = append(result.errs, field.Invalid(
			path.Index(violation.rule).Child(violation.field).Index(violation.index),
			violation.value, violation.detail))
	}
	for i, rule := range rules {
		for j, url := range rule.NonResourceURLs {
			if strings.Contains(url, "*") {
				result.warnings = append(result.warnings, fmt.Sprintf(WarningNonResourceURLWildcard,
					path.Index(i).Child("nonResourceURLs").Index(j), url))
			}
		}
	}
	return result.result()
}
