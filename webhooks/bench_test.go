package webhooks

import (
	"context"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// BenchmarkWebhook measures one admission request per kind from decoded request to
// response: JSON decoding, the rules, and the lookups against an in-memory fake client.
// It leaves out TLS, HTTP and the API server's own round trip.
func BenchmarkWebhook(b *testing.B) {
	hooks := newTestWebhooks(b, clusterFixtures()...)
	cases := []struct {
		name    string
		webhook *admission.Webhook
		object  client.Object
	}{
		{"LeadpoetAPI", hooks.leadpoetAPI, sampleLeadpoetAPI()},
		{"Ingress", hooks.ingress, sampleIngress()},
		{"NetworkPolicy", hooks.networkPolicy, sampleNetworkPolicy()},
		{"ServiceAccount", hooks.serviceAccount, sampleServiceAccount()},
		{"Role", hooks.role, sampleRole()},
		{"ClusterRole", hooks.clusterRole, sampleClusterRole()},
		{"RoleBinding", hooks.roleBinding, sampleRoleBinding()},
		{"ClusterRoleBinding", hooks.clusterRoleBinding, sampleClusterRoleBinding()},
	}
	for _, benchCase := range cases {
		b.Run(benchCase.name, func(b *testing.B) {
			// An update with an unchanged spec would skip the rules, so every kind runs
			// as a create, except the ServiceAccount webhook, which handles updates only.
			operation := admissionv1.Create
			var old client.Object
			if benchCase.name == "ServiceAccount" {
				operation, old = admissionv1.Update, benchCase.object
			}
			req := reviewRequest{operation: operation, object: benchCase.object, old: old, username: "alice"}.build(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if response := benchCase.webhook.Handle(ctx, req); !response.Allowed {
					b.Fatalf("sample %s denied: %v", benchCase.name, response.Result)
				}
			}
		})
	}
}
