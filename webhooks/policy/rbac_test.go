package policy

import (
	"context"
	"errors"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// fakeRBACLookup serves RBAC lookups from memory.
type fakeRBACLookup struct {
	accounts     []InstanceAccount
	roles        map[string][]rbacv1.PolicyRule // "Kind/namespace/name"
	clusterRoles []rbacv1.ClusterRole
	err          error
}

func (f *fakeRBACLookup) InstanceAccounts(_ context.Context, namespace string) ([]InstanceAccount, error) {
	var accounts []InstanceAccount
	for _, account := range f.accounts {
		if namespace == "" || account.Namespace == namespace {
			accounts = append(accounts, account)
		}
	}
	return accounts, f.err
}

func (f *fakeRBACLookup) RoleRules(_ context.Context, namespace string,
	ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, bool, error) {
	if ref.Kind == "ClusterRole" {
		namespace = ""
	}
	rules, found := f.roles[ref.Kind+"/"+namespace+"/"+ref.Name]
	return rules, found, f.err
}

func (f *fakeRBACLookup) ClusterRolesMatching(_ context.Context,
	selector metav1.LabelSelector) ([]rbacv1.ClusterRole, error) {
	parsed, err := metav1.LabelSelectorAsSelector(&selector)
	if err != nil {
		return nil, err
	}
	var matched []rbacv1.ClusterRole
	for _, role := range f.clusterRoles {
		if parsed.Matches(labels.Set(role.Labels)) {
			matched = append(matched, role)
		}
	}
	return matched, f.err
}

var (
	readPods = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}
	readOwn  = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"},
		Verbs: []string{"get"}, ResourceNames: []string{"intent-db"}}
)

func newFakeRBACLookup() *fakeRBACLookup {
	return &fakeRBACLookup{
		accounts: []InstanceAccount{{Namespace: "team-a", Name: "intent", Instance: "intent",
			SecretNames: []string{"intent-db", "intent-api-key"}}},
		roles: map[string][]rbacv1.PolicyRule{
			"Role/team-a/pod-reader":     {readPods},
			"Role/team-a/own-secrets":    {readOwn},
			"Role/team-a/all-secrets":    {{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}}},
			"Role/team-a/other-secrets":  {{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"watch"}, ResourceNames: []string{"intent-db", "billing-db"}}},
			"Role/team-b/own-secrets":    {readOwn},
			"ClusterRole//secret-reader": {{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}, ResourceNames: []string{"intent-db"}}},
			"ClusterRole//edit":          {readPods},
			"ClusterRole//impersonator":  {{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"impersonate"}}},
			"ClusterRole//view-own-pods": {readPods},
		},
		clusterRoles: []rbacv1.ClusterRole{
			{ObjectMeta: metav1.ObjectMeta{Name: "pod-viewer", Labels: map[string]string{"aggregate-to-support": "true"}},
				Rules: []rbacv1.PolicyRule{readPods}},
			{ObjectMeta: metav1.ObjectMeta{Name: "system:everything", Labels: map[string]string{"aggregate-to-root": "true"}},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}},
		},
	}
}

func TestValidateRole(t *testing.T) {
	tests := []struct {
		name         string
		role         rbacv1.Role
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "narrow role passes", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
			Rules: []rbacv1.PolicyRule{readPods}}},
		{name: "wildcard verb rejected", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
			Rules: []rbacv1.PolicyRule{readPods, {APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "*"}}}},
			wantPaths: []string{"rules[1].verbs[1]"}},
		{name: "wildcard group and resource rejected", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get"}}}},
			wantPaths: []string{"rules[0].apiGroups[0]", "rules[0].resources[0]"}},
		{name: "subresource wildcard rejected", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods/*"}, Verbs: []string{"get"}}}},
			wantPaths: []string{"rules[0].resources[0]"}},
		{name: "escalating verbs rejected", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "binder"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles"},
				Verbs: []string{"escalate", "bind", "Impersonate"}}}},
			wantPaths: []string{"rules[0].verbs[0]", "rules[0].verbs[1]", "rules[0].verbs[2]"}},
		{name: "system role exempt", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "system:controller:bootstrap-signer"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			errs, warnings := ValidateRole(&test.role)
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestValidateClusterRole(t *testing.T) {
	ctx := context.Background()
	selector := func(key string) *rbacv1.AggregationRule {
		return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{key: "true"}}}}
	}
	tests := []struct {
		name         string
		role         rbacv1.ClusterRole
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "bootstrap cluster-admin exempt", role: rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}},
		{name: "wildcard cluster role rejected", role: rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ops"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"*"}}}},
			wantPaths: []string{"rules[0].verbs[0]"}},
		{name: "non-resource URL wildcard warns", role: rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics"},
			Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics*"}, Verbs: []string{"get"}}}},
			wantWarnings: []string{"rules[0].nonResourceURLs[0]"}},
		{name: "aggregating narrow roles passes", role: rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "support"},
			AggregationRule: selector("aggregate-to-support")}},
		{name: "aggregating wildcard role rejected", role: rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "root"},
			AggregationRule: selector("aggregate-to-root")},
			wantPaths: []string{"aggregationRule.clusterRoleSelectors[0]", "aggregationRule.clusterRoleSelectors[0]",
				"aggregationRule.clusterRoleSelectors[0]"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			errs, warnings, err := ValidateClusterRole(ctx, &test.role, newFakeRBACLookup())
			if err != nil {
				t.Fatalf("lookup failed: %v", err)
			}
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestValidateRoleBinding(t *testing.T) {
	ctx := context.Background()
	instanceSA := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "intent", Namespace: "team-a"}
	otherSA := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "billing", Namespace: "team-a"}
	role := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}
	}
	clusterRole := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
	}
	tests := []struct {
		name      string
		namespace string
		subjects  []rbacv1.Subject
		ref       rbacv1.RoleRef
		wantPaths []string
	}{
		{name: "instance reading own secrets passes", subjects: []rbacv1.Subject{instanceSA}, ref: role("own-secrets")},
		{name: "instance reading pods passes", subjects: []rbacv1.Subject{instanceSA}, ref: role("pod-reader")},
		{name: "instance reading every secret rejected", subjects: []rbacv1.Subject{otherSA, instanceSA},
			ref: role("all-secrets"), wantPaths: []string{"subjects[1]"}},
		{name: "other account reading every secret passes", subjects: []rbacv1.Subject{otherSA}, ref: role("all-secrets")},
		{name: "instance reading foreign secret rejected", subjects: []rbacv1.Subject{instanceSA},
			ref: role("other-secrets"), wantPaths: []string{"subjects[0]"}},
		{name: "instance named as user rejected", subjects: []rbacv1.Subject{
			{Kind: rbacv1.UserKind, Name: "system:serviceaccount:team-a:intent"}},
			ref: role("all-secrets"), wantPaths: []string{"subjects[0]"}},
		{name: "namespace service accounts group rejected", subjects: []rbacv1.Subject{
			{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts:team-a"}},
			ref: role("all-secrets"), wantPaths: []string{"subjects[0]"}},
		{name: "subject namespace defaults to binding's", subjects: []rbacv1.Subject{
			{Kind: rbacv1.ServiceAccountKind, Name: "intent"}},
			ref: role("all-secrets"), wantPaths: []string{"subjects[0]"}},
		{name: "instance reading secrets in another namespace rejected", namespace: "team-b",
			subjects: []rbacv1.Subject{instanceSA}, ref: role("own-secrets"), wantPaths: []string{"subjects[0]"}},
		{name: "instance bound to edit rejected", subjects: []rbacv1.Subject{instanceSA},
			ref: clusterRole("edit"), wantPaths: []string{"roleRef.name"}},
		{name: "other account bound to edit passes", subjects: []rbacv1.Subject{otherSA}, ref: clusterRole("edit")},
		{name: "instance bound to missing role rejected", subjects: []rbacv1.Subject{instanceSA},
			ref: role("not-yet"), wantPaths: []string{"roleRef.name"}},
		{name: "instance bound to impersonator rejected", subjects: []rbacv1.Subject{instanceSA},
			ref: clusterRole("impersonator"), wantPaths: []string{"subjects[0]"}},
		{name: "anonymous user rejected", subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "system:anonymous"}},
			ref: role("pod-reader"), wantPaths: []string{"subjects[0].name"}},
		{name: "authenticated group rejected", subjects: []rbacv1.Subject{otherSA,
			{Kind: rbacv1.GroupKind, Name: "system:authenticated"}},
			ref: role("pod-reader"), wantPaths: []string{"subjects[1].name"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			namespace := test.namespace
			if namespace == "" {
				namespace = "team-a"
			}
			binding := &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "grant", Namespace: namespace},
				Subjects:   test.subjects,
				RoleRef:    test.ref,
			}
			errs, warnings, err := ValidateRoleBinding(ctx, binding, newFakeRBACLookup())
			if err != nil {
				t.Fatalf("lookup failed: %v", err)
			}
			checkVerdict(t, errs, warnings, test.wantPaths, nil)
		})
	}
}

func TestValidateClusterRoleBinding(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		binding   rbacv1.ClusterRoleBinding
		wantPaths []string
	}{
		{name: "instance reading named secret cluster-wide rejected", binding: rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "grant"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent", Namespace: "team-a"}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "secret-reader"},
		}, wantPaths: []string{"subjects[0]"}},
		{name: "all service accounts group rejected", binding: rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "grant"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts"}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "secret-reader"},
		}, wantPaths: []string{"subjects[0]"}},
		{name: "instance bound to cluster-admin rejected", binding: rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "grant"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent", Namespace: "team-a"}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
		}, wantPaths: []string{"roleRef.name"}},
		{name: "unauthenticated group rejected", binding: rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "grant"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:unauthenticated"}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "view-own-pods"},
		}, wantPaths: []string{"subjects[0].name"}},
		{name: "bootstrap public binding exempt", binding: rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "system:public-info-viewer"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:unauthenticated"}},
			RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "system:public-info-viewer"},
		}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			errs, warnings, err := ValidateClusterRoleBinding(ctx, &test.binding, newFakeRBACLookup())
			if err != nil {
				t.Fatalf("lookup failed: %v", err)
			}
			checkVerdict(t, errs, warnings, test.wantPaths, nil)
		})
	}
}

func TestValidateRoleBindingLookupError(t *testing.T) {
	lookup := newFakeRBACLookup()
	lookup.err = errors.New("connection refused")
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "grant", Namespace: "team-a"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent"}},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "pod-reader"},
	}
	if _, _, err := ValidateRoleBinding(context.Background(), binding, lookup); err == nil {
		t.Error("lookup error was not returned")
	}
}

func TestValidateRBACUpdatesRatchet(t *testing.T) {
	ctx := context.Background()
	lookup := newFakeRBACLookup()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}
	relabelled := role.DeepCopy()
	relabelled.Labels = map[string]string{"team": "a"}
	errs, warnings := ValidateRoleUpdate(role, relabelled)
	checkVerdict(t, errs, warnings, nil, nil)

	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "grant", Namespace: "team-a"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "all-secrets"},
	}
	widened := binding.DeepCopy()
	widened.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent"}}
	errs, warnings, err := ValidateRoleBindingUpdate(ctx, binding, widened, lookup)
	if err != nil {
		t.Fatalf("lookup failed: %v", err)
	}
	checkVerdict(t, errs, warnings, []string{"subjects[0]"}, nil)
}
