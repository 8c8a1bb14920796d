package secretsync

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
)

const (
	roleA = "arn:aws:iam::123456789012:role/team-a"
	roleB = "arn:aws:iam::123456789012:role/team-b"
)

var (
	instanceA = Instance{Namespace: "team-a", Name: "api", ServiceAccountName: "api", RoleARN: roleA}
	instanceB = Instance{Namespace: "team-b", Name: "api", ServiceAccountName: "api", RoleARN: roleB}
)

func TestMain(m *testing.M) {
	// Neither the SDK nor the syncer may look for credentials on the instance
	// metadata service; every test passes explicit endpoints and credentials.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

// fakeTokens mints unsigned service account tokens as the TokenRequest API would, with
// sub system:serviceaccount:<namespace>:<name> and the requested audience.
type fakeTokens struct {
	clock *testingclock.FakeClock

	mu       sync.Mutex
	requests int
	err      error
}

func (f *fakeTokens) Token(_ context.Context, namespace, serviceAccount, audience string,
	expiration time.Duration) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.err != nil {
		return "", f.err
	}
	subject := awslocal.ServiceAccountSubject(namespace, serviceAccount)
	return awslocal.Token(subject, audience, f.clock.Now().Add(expiration)), nil
}

func (f *fakeTokens) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

type testEnv struct {
	server *awslocal.Server
	syncer *Syncer
	tokens *fakeTokens
	clock  *testingclock.FakeClock
}

// newTestEnv starts awslocal, allows roleA for instanceA's ServiceAccount, and returns a
// Syncer that talks to it with a retryer that backs off at most 2ms.
func newTestEnv(t *testing.T, configure ...func(*Options)) *testEnv {
	t.Helper()
	clock := testingclock.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	server := awslocal.New(awslocal.Options{Now: clock.Now})
	if _, err := server.Start(); err != nil {
		t.Fatalf("start awslocal: %v", err)
	}
	t.Cleanup(server.Close)

	tokens := &fakeTokens{clock: clock}
	cfg := server.AWSConfig()
	opts := Options{
		TokenSource: tokens,
		AWSConfig:   &cfg,
		MaxBackoff:  2 * time.Millisecond,
		Now:         clock.Now,
	}
	for _, fn := range configure {
		fn(&opts)
	}
	syncer, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testEnv{server: server, syncer: syncer, tokens: tokens, clock: clock}
}

func (e *testEnv) allow(inst Instance, secrets ...string) {
	e.server.AllowRole(inst.RoleARN, awslocal.ServiceAccountSubject(inst.Namespace, inst.ServiceAccountName), secrets...)
}

// entry returns a SecretSync that copies secretID into Secret "app" under key.
func entry(name, secretID, key string) v1alpha1.SecretSync {
	return v1alpha1.SecretSync{
		Name:       name,
		SecretName: "app",
		Key:        key,
		RemoteRef:  v1alpha1.RemoteSecretReference{SecretID: secretID},
	}
}

func withProperty(e v1alpha1.SecretSync, property string) v1alpha1.SecretSync {
	e.Property = property
	return e
}

func withRefresh(e v1alpha1.SecretSync, interval time.Duration) v1alpha1.SecretSync {
	e.RefreshInterval = &metav1.Duration{Duration: interval}
	return e
}

// mustSucceed fails the test when any result has an error.
func mustSucceed(t *testing.T, results []Result) {
	t.Helper()
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("entry %q failed: %v (reason %s)", r.Name, r.Err, r.Err.Reason)
		}
	}
}

// mustFail returns the error of the result, failing the test when it has none or its
// reason differs.
func mustFail(t *testing.T, r Result, reason string) *Error {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("entry %q succeeded with version %s, want reason %s", r.Name, r.VersionID, reason)
	}
	if r.Err.Reason != reason {
		t.Fatalf("entry %q failed with reason %s (%v), want %s", r.Name, r.Err.Reason, r.Err, reason)
	}
	if r.Data != nil {
		t.Errorf("entry %q failed but has Data", r.Name)
	}
	return r.Err
}

func assertFieldPrefix(t *testing.T, err *Error, field string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), field+": ") {
		t.Errorf("error %q does not start with field %s", err.Error(), field)
	}
	if err.Field != field {
		t.Errorf("Field = %q, want %q", err.Field, field)
	}
}
