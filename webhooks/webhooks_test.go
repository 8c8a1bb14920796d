package webhooks

import (
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

func leadpoetAPI() *platformv1alpha1.LeadpoetAPI {
	return &platformv1alpha1.LeadpoetAPI{
		TypeMeta:   metav1.TypeMeta{APIVersion: platformv1alpha1.GroupVersion.String(), Kind: "LeadpoetAPI"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a", UID: "api-uid"},
		Spec: platformv1alpha1.LeadpoetAPISpec{
			Workload: platformv1alpha1.WorkloadSpec{Image: "registry.example/intent:1"},
			Ingress: &platformv1alpha1.IngressSpec{
				Hosts: []string{"api.example.com"},
				TLS:   &platformv1alpha1.TLSSpec{SecretName: "intent-tls"},
			},
			Secrets: []platformv1alpha1.SecretSync{{Name: "db", SecretName: "intent-db",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: "prod/intent/db"}, Key: "password"}},
		},
	}
}

func managedNetworkPolicy() *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "intent", Namespace: "team-a",
			Labels: map[string]string{policy.LabelManagedBy: policy.ManagedByValue},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: platformv1alpha1.GroupVersion.String(),
				Kind: "LeadpoetAPI", Name: "intent", UID: "api-uid"}},
		},
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
}

func denied(t *testing.T, response admission.Response) {
	t.Helper()
	if response.Allowed {
		t.Fatalf("request allowed, want denied")
	}
}

func allowed(t *testing.T, response admission.Response) {
	t.Helper()
	if !response.Allowed {
		t.Fatalf("request denied, want allowed: %v", response.Result)
	}
}

func TestLeadpoetAPIRejectionRecordsEvent(t *testing.T) {
	hooks := newTestWebhooks(t)
	api := leadpoetAPI()
	api.Spec.Ingress.TLS.MinVersion = platformv1alpha1.TLSVersion12

	response := reviewRequest{operation: admissionv1.Create, object: api, username: "alice"}.send(t, hooks.leadpoetAPI)

	denied(t, response)
	if response.Result.Code != http.StatusUnprocessableEntity {
		t.Errorf("status code = %d, want 422", response.Result.Code)
	}
	if !strings.Contains(response.Result.Message, "spec.ingress.tls.minVersion") {
		t.Errorf("message %q does not name the field", response.Result.Message)
	}
	recorded := drainEvents(hooks.recorder)
	if len(recorded) != 1 {
		t.Fatalf("recorded %d Events, want 1: %q", len(recorded), recorded)
	}
	if !strings.Contains(recorded[0], ReasonAdmissionRejected) || !strings.Contains(recorded[0], "CREATE by alice") {
		t.Errorf("Event %q lacks the reason, operation or user", recorded[0])
	}
}

func TestDryRunRejectionRecordsNoEvent(t *testing.T) {
	hooks := newTestWebhooks(t)
	api := leadpoetAPI()
	api.Spec.Ingress.TLS = nil

	response := reviewRequest{operation: admissionv1.Create, object: api, username: "alice", dryRun: true}.
		send(t, hooks.leadpoetAPI)

	denied(t, response)
	if recorded := drainEvents(hooks.recorder); len(recorded) != 0 {
		t.Errorf("dry run recorded Events: %q", recorded)
	}
}

func TestWeakeningWithReasonWarnsAndRecords(t *testing.T) {
	hooks := newTestWebhooks(t)
	old := leadpoetAPI()
	updated := leadpoetAPI()
	updated.Spec.Ingress.RateLimitPerMinute = new(int32(6000))
	updated.Annotations = map[string]string{policy.AnnotationWeakenReason: "launch traffic"}

	response := reviewRequest{operation: admissionv1.Update, object: updated, old: old, username: "alice"}.
		send(t, hooks.leadpoetAPI)

	allowed(t, response)
	if len(response.Warnings) != 1 || !strings.Contains(response.Warnings[0], "launch traffic") {
		t.Errorf("warnings = %q, want one naming the reason", response.Warnings)
	}
	recorded := drainEvents(hooks.recorder)
	if len(recorded) != 1 || !strings.Contains(recorded[0], ReasonSecurityWeakened) {
		t.Errorf("Events = %q, want one %s", recorded, ReasonSecurityWeakened)
	}
}

func TestRejectionOmitsSecretValues(t *testing.T) {
	const sentinel = "s3cr3t-sentinel-value"
	hooks := newTestWebhooks(t)
	api := leadpoetAPI()
	api.Spec.Workload.Env = []corev1.EnvVar{{Name: "TOKEN", Value: sentinel}}
	api.Spec.Ingress.HTTPSRedirect = new(false)
	ingress := &networkingv1.Ingress{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a", Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/configuration-snippet": "proxy_set_header Authorization " + sentinel + ";",
		}},
	}

	responses := []admission.Response{
		reviewRequest{operation: admissionv1.Create, object: api, username: "alice"}.send(t, hooks.leadpoetAPI),
		reviewRequest{operation: admissionv1.Create, object: ingress, username: "alice"}.send(t, hooks.ingress),
	}

	for _, response := range responses {
		denied(t, response)
		if strings.Contains(response.Result.Message, sentinel) {
			t.Errorf("response message contains the secret value: %q", response.Result.Message)
		}
		for _, cause := range response.Result.Details.Causes {
			if strings.Contains(cause.Message, sentinel) {
				t.Errorf("response cause contains the secret value: %q", cause.Message)
			}
		}
	}
	for _, event := range drainEvents(hooks.recorder) {
		if strings.Contains(event, sentinel) {
			t.Errorf("Event contains the secret value: %q", event)
		}
	}
}

func TestManagedNetworkPolicyDelete(t *testing.T) {
	owner := leadpoetAPI()
	deletingOwner := leadpoetAPI()
	deletingOwner.DeletionTimestamp = new(metav1.Now())
	deletingOwner.Finalizers = []string{"platform.leadpoet.io/secrets"}
	tests := []struct {
		name     string
		username string
		owner    *platformv1alpha1.LeadpoetAPI
		allow    bool
	}{
		{name: "operator allowed", username: testOperator, owner: owner, allow: true},
		{name: "user denied", username: "alice", owner: owner},
		{name: "user allowed after owner gone", username: "alice", allow: true},
		{name: "user allowed while owner deletes", username: "alice", owner: deletingOwner, allow: true},
		{name: "garbage collector denied with live owner", username: policy.DefaultGarbageCollectorUsername, owner: owner},
		{name: "garbage collector allowed after owner gone", username: policy.DefaultGarbageCollectorUsername, allow: true},
		{name: "garbage collector allowed while owner deletes", username: policy.DefaultGarbageCollectorUsername,
			owner: deletingOwner, allow: true},
		{name: "namespace controller denied with live owner", username: policy.DefaultNamespaceControllerUsername,
			owner: owner},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			objects := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}}
			if test.owner != nil {
				objects = append(objects, test.owner.DeepCopy())
			}
			hooks := newTestWebhooks(t, objects...)

			response := reviewRequest{operation: admissionv1.Delete, old: managedNetworkPolicy(),
				username: test.username}.send(t, hooks.networkPolicy)

			if response.Allowed != test.allow {
				t.Errorf("allowed = %t, want %t: %v", response.Allowed, test.allow, response.Result)
			}
		})
	}
}

// Anyone may delete an orphaned managed policy, but it stays the operator's to change.
func TestOrphanedNetworkPolicyUpdateDenied(t *testing.T) {
	hooks := newTestWebhooks(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}})
	updated := managedNetworkPolicy()
	updated.Annotations = map[string]string{"note": "edited"}

	response := reviewRequest{operation: admissionv1.Update, old: managedNetworkPolicy(),
		object: updated, username: "alice"}.send(t, hooks.networkPolicy)

	if response.Allowed {
		t.Errorf("update of an orphaned managed policy by a user was allowed")
	}
}

func TestNamespaceControllerDeleteInTerminatingNamespace(t *testing.T) {
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	hooks := newTestWebhooks(t, namespace, leadpoetAPI())

	response := reviewRequest{operation: admissionv1.Delete, old: managedNetworkPolicy(),
		username: policy.DefaultNamespaceControllerUsername}.send(t, hooks.networkPolicy)

	allowed(t, response)
}

func TestRoleBindingWebhookReadsInstances(t *testing.T) {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "secret-reader", Namespace: "team-a"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"},
			Verbs: []string{"get"}, ResourceNames: []string{"intent-db", "billing-db"}}},
	}
	hooks := newTestWebhooks(t, leadpoetAPI(), role)
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent-secrets", Namespace: "team-a"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent", Namespace: "team-a"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "secret-reader"},
	}

	response := reviewRequest{operation: admissionv1.Create, object: binding, username: "alice"}.
		send(t, hooks.roleBinding)

	denied(t, response)
	if !strings.Contains(response.Result.Message, "billing-db") {
		t.Errorf("message %q does not name the foreign Secret", response.Result.Message)
	}
}

func TestServiceAccountWebhookUsesRequestUser(t *testing.T) {
	old := &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a",
			Labels:      map[string]string{policy.LabelManagedBy: policy.ManagedByValue},
			Annotations: map[string]string{policy.AnnotationRoleARN: "arn:aws:iam::111122223333:role/intent"}},
	}
	updated := old.DeepCopy()
	updated.Annotations[policy.AnnotationRoleARN] = "arn:aws:iam::111122223333:role/admin"
	hooks := newTestWebhooks(t)

	byUser := reviewRequest{operation: admissionv1.Update, object: updated, old: old, username: "alice"}.
		send(t, hooks.serviceAccount)
	byOperator := reviewRequest{operation: admissionv1.Update, object: updated, old: old, username: testOperator}.
		send(t, hooks.serviceAccount)

	denied(t, byUser)
	allowed(t, byOperator)
}

func TestOptionsRequireOperatorUsername(t *testing.T) {
	if err := (Options{}).PolicyConfig().Check(); err == nil {
		t.Error("options without an operator username passed Check")
	}
}
