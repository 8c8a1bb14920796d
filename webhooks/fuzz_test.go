package webhooks

import (
	"context"
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// fuzzUsers are the requesters a fuzz input picks from, so the operator and cleanup
// paths are reached too.
var fuzzUsers = []string{"alice", testOperator, policy.DefaultGarbageCollectorUsername,
	policy.DefaultNamespaceControllerUsername}

var fuzzOperations = []admissionv1.Operation{admissionv1.Create, admissionv1.Update, admissionv1.Delete}

// fuzzWebhook feeds arbitrary object and old-object bytes to one webhook and checks
// that it never panics and that two identical requests get identical verdicts. The
// selector byte picks the operation, the user and dry-run.
func fuzzWebhook(f *testing.F, pick func(*testWebhooks) *admission.Webhook, seeds ...client.Object) {
	for _, seed := range seeds {
		data := mustJSON(f, seed)
		for selector := range uint8(len(fuzzOperations)) {
			f.Add(data, data, selector)
		}
	}
	hooks := newTestWebhooks(f, clusterFixtures()...)
	webhook := pick(hooks)
	f.Fuzz(func(t *testing.T, object, old []byte, selector uint8) {
		dryRun := selector&0x80 != 0
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			UID:       "fuzz",
			Operation: fuzzOperations[int(selector)%len(fuzzOperations)],
			UserInfo:  authenticationv1.UserInfo{Username: fuzzUsers[int(selector>>2)%len(fuzzUsers)]},
			DryRun:    &dryRun,
			Object:    runtime.RawExtension{Raw: object},
			OldObject: runtime.RawExtension{Raw: old},
		}}
		first := webhook.Handle(context.Background(), req)
		second := webhook.Handle(context.Background(), req)
		drainEvents(hooks.recorder)
		if first.Allowed != second.Allowed {
			t.Fatalf("verdict changed between identical requests: %t then %t", first.Allowed, second.Allowed)
		}
		if first.Result.Message != second.Result.Message {
			t.Fatalf("message changed between identical requests:\n%q\n%q", first.Result.Message,
				second.Result.Message)
		}
		if !slices.Equal(first.Warnings, second.Warnings) {
			t.Fatalf("warnings changed between identical requests:\n%q\n%q", first.Warnings, second.Warnings)
		}
	})
}

func FuzzLeadpoetAPIWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.leadpoetAPI }, sampleLeadpoetAPI())
}

func FuzzIngressWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.ingress }, sampleIngress())
}

func FuzzNetworkPolicyWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.networkPolicy },
		sampleNetworkPolicy(), managedNetworkPolicy())
}

func FuzzServiceAccountWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.serviceAccount }, sampleServiceAccount())
}

func FuzzRoleWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.role }, sampleRole())
}

func FuzzClusterRoleWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.clusterRole }, sampleClusterRole())
}

func FuzzRoleBindingWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.roleBinding }, sampleRoleBinding())
}

func FuzzClusterRoleBindingWebhook(f *testing.F) {
	fuzzWebhook(f, func(h *testWebhooks) *admission.Webhook { return h.clusterRoleBinding },
		sampleClusterRoleBinding())
}
