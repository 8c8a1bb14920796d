package policy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func managedServiceAccount() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "intent",
			Namespace:   "team-a",
			Labels:      map[string]string{LabelManagedBy: ManagedByValue},
			Annotations: map[string]string{AnnotationRoleARN: "arn:aws:iam::111122223333:role/intent"},
		},
		AutomountServiceAccountToken: ptr(false),
	}
}

func TestValidateServiceAccountUpdate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OperatorUsername = "system:serviceaccount:leadpoet-system:leadpoet-operator"
	const rolePath = "metadata.annotations[eks.amazonaws.com/role-arn]"
	tests := []struct {
		name      string
		username  string
		unmanaged bool
		mutate    func(*corev1.ServiceAccount)
		wantPaths []string
	}{
		{name: "label change by user passes", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			account.Labels["team"] = "a"
		}},
		{name: "role change by user rejected", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			account.Annotations[AnnotationRoleARN] = "arn:aws:iam::444455556666:role/admin"
		}, wantPaths: []string{rolePath}},
		{name: "role removal by user rejected", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			delete(account.Annotations, AnnotationRoleARN)
		}, wantPaths: []string{rolePath}},
		{name: "role change by operator passes", username: cfg.OperatorUsername, mutate: func(account *corev1.ServiceAccount) {
			account.Annotations[AnnotationRoleARN] = "arn:aws:iam::111122223333:role/other"
		}},
		{name: "automount true by user rejected", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			account.AutomountServiceAccountToken = ptr(true)
		}, wantPaths: []string{"automountServiceAccountToken"}},
		{name: "automount unset by user rejected", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			account.AutomountServiceAccountToken = nil
		}, wantPaths: []string{"automountServiceAccountToken"}},
		{name: "managed label removal rejected", username: "alice", mutate: func(account *corev1.ServiceAccount) {
			delete(account.Labels, LabelManagedBy)
		}, wantPaths: []string{"metadata.labels[app.kubernetes.io/managed-by]"}},
		{name: "unmanaged account passes", username: "alice", unmanaged: true, mutate: func(account *corev1.ServiceAccount) {
			account.Annotations[AnnotationRoleARN] = "arn:aws:iam::444455556666:role/admin"
			account.AutomountServiceAccountToken = ptr(true)
		}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			old := managedServiceAccount()
			if test.unmanaged {
				delete(old.Labels, LabelManagedBy)
			}
			updated := old.DeepCopy()
			test.mutate(updated)
			errs := ValidateServiceAccountUpdate(old, updated, test.username, cfg)
			checkVerdict(t, errs, nil, test.wantPaths, nil)
		})
	}
}
