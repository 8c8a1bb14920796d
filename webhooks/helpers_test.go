package webhooks

import (
	"context"
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

const testOperator = "system:serviceaccount:leadpoet-system:leadpoet-operator"

func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := platformv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}

func testConfig() policy.Config {
	return Options{OperatorUsername: testOperator}.PolicyConfig()
}

// testWebhooks holds one admission.Webhook per kind, wired as SetupWebhooksWithManager
// wires them, over a fake client and a fake Event recorder.
type testWebhooks struct {
	leadpoetAPI, ingress, networkPolicy, serviceAccount *admission.Webhook
	role, clusterRole, roleBinding, clusterRoleBinding  *admission.Webhook
	recorder                                            *events.FakeRecorder
}

func newTestWebhooks(t testing.TB, objects ...client.Object) *testWebhooks {
	t.Helper()
	scheme := testScheme(t)
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).Build()
	lookup := clusterLookup{reader: reader}
	recorder := events.NewFakeRecorder(100)
	audit := auditor{recorder: recorder}
	cfg := testConfig()
	return &testWebhooks{
		leadpoetAPI:        admission.WithValidator(scheme, &LeadpoetAPIValidator{config: cfg, auditor: audit}),
		ingress:            admission.WithValidator(scheme, &IngressValidator{config: cfg, auditor: audit}),
		networkPolicy:      admission.WithValidator(scheme, &NetworkPolicyValidator{config: cfg, owners: lookup, auditor: audit}),
		serviceAccount:     admission.WithValidator(scheme, &ServiceAccountValidator{config: cfg, auditor: audit}),
		role:               admission.WithValidator(scheme, &RoleValidator{auditor: audit}),
		clusterRole:        admission.WithValidator(scheme, &ClusterRoleValidator{lookup: lookup, auditor: audit}),
		roleBinding:        admission.WithValidator(scheme, &RoleBindingValidator{lookup: lookup, auditor: audit}),
		clusterRoleBinding: admission.WithValidator(scheme, &ClusterRoleBindingValidator{lookup: lookup, auditor: audit}),
		recorder:           recorder,
	}
}

// reviewRequest builds the admission request the API server would send.
type reviewRequest struct {
	operation admissionv1.Operation
	object    client.Object
	old       client.Object
	username  string
	dryRun    bool
}

func (r reviewRequest) build(t testing.TB) admission.Request {
	t.Helper()
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "test-request",
		Operation: r.operation,
		UserInfo:  authenticationv1.UserInfo{Username: r.username},
		DryRun:    &r.dryRun,
	}}
	if r.object != nil {
		req.Object = runtime.RawExtension{Raw: mustJSON(t, r.object)}
		req.Name = r.object.GetName()
		req.Namespace = r.object.GetNamespace()
	}
	if r.old != nil {
		req.OldObject = runtime.RawExtension{Raw: mustJSON(t, r.old)}
		req.Name = r.old.GetName()
		req.Namespace = r.old.GetNamespace()
	}
	return req
}

func (r reviewRequest) send(t testing.TB, webhook *admission.Webhook) admission.Response {
	t.Helper()
	return webhook.Handle(context.Background(), r.build(t))
}

func mustJSON(t testing.TB, obj any) []byte {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// drainEvents returns the Events recorded so far.
func drainEvents(recorder *events.FakeRecorder) []string {
	var recorded []string
	for {
		select {
		case event := <-recorder.Events:
			recorded = append(recorded, event)
		default:
			return recorded
		}
	}
}
