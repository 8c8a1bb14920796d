package secretsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
)

const databaseJSON = `{
  "host": "db.internal",
  "port": 5432,
  "tls": true,
  "credentials": {"username": "app", "password": "pa55-word"},
  "replicas": {"primary.eu": {"host": "db-eu.internal"}}
}`

// metricValue returns the value of a counter or gauge.
func metricValue(m prometheus.Metric) float64 {
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		return -1
	}
	if out.Counter != nil {
		return out.Counter.GetValue()
	}
	return out.Gauge.GetValue()
}

func TestFetchFirstSync(t *testing.T) {
	env := newTestEnv(t)
	versionID := env.server.PutSecretString("app/openai", `{"api_key":"sk-1"}`)
	env.allow(instanceA, "app/openai")
	successBefore := metricValue(awsCallsTotal.WithLabelValues("GetSecretValue", outcomeSuccess))

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("openai", "app/openai", "config.json")})
	mustSucceed(t, results)

	r := results[0]
	if got := string(r.Data["config.json"]); got != `{"api_key":"sk-1"}` {
		t.Errorf("Data[config.json] = %q, want the whole value", got)
	}
	if r.VersionID != versionID {
		t.Errorf("VersionID = %q, want %q", r.VersionID, versionID)
	}
	if r.Name != "openai" || r.SecretName != "app" {
		t.Errorf("Name, SecretName = %q, %q, want openai, app", r.Name, r.SecretName)
	}
	earliest := env.clock.Now().Add(DefaultRefreshInterval)
	latest := earliest.Add(DefaultRefreshInterval / 10)
	if r.NextRefresh.Before(earliest) || r.NextRefresh.After(latest) {
		t.Errorf("NextRefresh = %v, want within [%v, %v]", r.NextRefresh, earliest, latest)
	}
	if got := env.tokens.Requests(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	if got := env.server.RoleCalls(roleA, "AssumeRoleWithWebIdentity"); got != 1 {
		t.Errorf("AssumeRoleWithWebIdentity calls = %d, want 1", got)
	}
	if got := env.server.RoleCalls(roleA, "DescribeSecret"); got != 1 {
		t.Errorf("DescribeSecret calls = %d, want 1", got)
	}
	if got := env.server.RoleCalls(roleA, "GetSecretValue"); got != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1", got)
	}
	successAfter := metricValue(awsCallsTotal.WithLabelValues("GetSecretValue", outcomeSuccess))
	if successAfter != successBefore+1 {
		t.Errorf("GetSecretValue success metric rose by %v, want 1", successAfter-successBefore)
	}
	if got := metricValue(lastSuccess.WithLabelValues("team-a", "api")); got != float64(env.clock.Now().Unix()) {
		t.Errorf("last success metric = %v, want %d", got, env.clock.Now().Unix())
	}
}

func TestFetchPropertySelection(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/db", databaseJSON)
	env.allow(instanceA, "app/db")

	cases := []struct {
		property string
		want     string
	}{
		{"host", "db.internal"},
		{"port", "5432"},
		{"tls", "true"},
		{"credentials.password", "pa55-word"},
		{"credentials", `{"username":"app","password":"pa55-word"}`},
		{`replicas.primary\.eu.host`, "db-eu.internal"},
	}
	var entries []v1alpha1.SecretSync
	for i, c := range cases {
		entries = append(entries, withProperty(entry(fmt.Sprintf("p%d", i), "app/db", fmt.Sprintf("key%d", i)), c.property))
	}
	results := env.syncer.Fetch(context.Background(), instanceA, entries)
	mustSucceed(t, results)

	for i, c := range cases {
		t.Run(c.property, func(t *testing.T) {
			if got := string(results[i].Data[fmt.Sprintf("key%d", i)]); got != c.want {
				t.Errorf("property %q = %q, want %q", c.property, got, c.want)
			}
		})
	}
	if got := env.server.Calls("DescribeSecret"); got != 1 {
		t.Errorf("DescribeSecret calls for %d entries of one secret = %d, want 1", len(cases), got)
	}
	if got := env.server.Calls("GetSecretValue"); got != 1 {
		t.Errorf("GetSecretValue calls for %d entries of one secret = %d, want 1", len(cases), got)
	}
}

func TestFetchFanOut(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/db", databaseJSON)
	env.allow(instanceA, "app/db")
	fan := v1alpha1.SecretSync{Name: "db", SecretName: "db", FanOut: true,
		RemoteRef: v1alpha1.RemoteSecretReference{SecretID: "app/db"}}

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{fan})
	mustSucceed(t, results)

	want := map[string]string{
		"host":        "db.internal",
		"port":        "5432",
		"tls":         "true",
		"credentials": `{"username":"app","password":"pa55-word"}`,
		"replicas":    `{"primary.eu":{"host":"db-eu.internal"}}`,
	}
	if len(results[0].Data) != len(want) {
		t.Errorf("fanOut wrote %d keys, want %d", len(results[0].Data), len(want))
	}
	for key, value := range want {
		if got := string(results[0].Data[key]); got != value {
			t.Errorf("Data[%s] = %q, want %q", key, got, value)
		}
	}
}

func TestFetchBinaryByteForByte(t *testing.T) {
	env := newTestEnv(t)
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	env.server.PutSecretBinary("app/keystore", binary)
	env.server.PutSecretString("app/text", "line1\r\nline2\x00\u00e9\u2713")
	env.allow(instanceA, "app/keystore", "app/text")

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{
		entry("keystore", "app/keystore", "keystore.p12"),
		entry("text", "app/text", "text"),
	})
	mustSucceed(t, results)

	if !bytes.Equal(results[0].Data["keystore.p12"], binary) {
		t.Errorf("binary value differs: got %d bytes, want all 256 byte values in order", len(results[0].Data["keystore.p12"]))
	}
	// A SecretString is UTF-8 JSON text on the wire, so the string case uses valid UTF-8.
	if got := string(results[1].Data["text"]); got != "line1\r\nline2\x00\u00e9\u2713" {
		t.Errorf("string value = %q, want it byte for byte", got)
	}
}

func TestFetchVersionStageAndID(t *testing.T) {
	env := newTestEnv(t)
	first := env.server.PutSecretString("app/token", "one")
	second := env.server.PutSecretString("app/token", "two")
	env.allow(instanceA, "app/token")

	previous := entry("previous", "app/token", "previous")
	previous.RemoteRef.VersionStage = "AWSPREVIOUS"
	pinned := entry("pinned", "app/token", "pinned")
	pinned.RemoteRef.VersionID = first
	current := entry("current", "app/token", "current")
	pending := entry("pending", "app/token", "pending")
	pending.RemoteRef.VersionStage = "AWSPENDING"

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{previous, pinned, current, pending})

	for i, want := range []struct{ value, version string }{{"one", first}, {"one", first}, {"two", second}} {
		r := results[i]
		if r.Err != nil {
			t.Errorf("entry %s failed: %v", r.Name, r.Err)
			continue
		}
		if got := string(r.Data[r.Name]); got != want.value {
			t.Errorf("entry %s = %q, want %q", r.Name, got, want.value)
		}
		if r.VersionID != want.version {
			t.Errorf("entry %s VersionID = %s, want %s", r.Name, r.VersionID, want.version)
		}
	}
	err := mustFail(t, results[3], ReasonNotFound)
	assertFieldPrefix(t, err, "spec.secrets[name=pending].remoteRef.versionStage")

	missing := entry("missing", "app/token", "missing")
	missing.RemoteRef.VersionID = "00000000-0000-0000-0000-000000000000"
	results = env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{missing})
	err = mustFail(t, results[0], ReasonNotFound)
	assertFieldPrefix(t, err, "spec.secrets[name=missing].remoteRef.versionID")
}

func TestFetchUnchangedVersionOnlyDescribes(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	entries := []v1alpha1.SecretSync{withRefresh(entry("a", "app/a", "a"), 10*time.Minute)}
	ctx := context.Background()

	mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))
	env.server.ResetCalls()

	env.clock.Step(5 * time.Minute)
	mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))
	if got := env.server.CallCounts(); len(got) != 0 {
		t.Errorf("calls before the refresh is due = %v, want none", got)
	}

	env.clock.Step(7 * time.Minute)
	results := env.syncer.Fetch(ctx, instanceA, entries)
	mustSucceed(t, results)
	if got := env.server.Calls("DescribeSecret"); got != 1 {
		t.Errorf("DescribeSecret calls after the refresh is due = %d, want 1", got)
	}
	if got := env.server.Calls("GetSecretValue") + env.server.Calls("BatchGetSecretValue"); got != 0 {
		t.Errorf("value reads for an unchanged version = %d, want 0", got)
	}
	if got := string(results[0].Data["a"]); got != "a" {
		t.Errorf("cached value = %q, want a", got)
	}
}

func TestFetchSeesRotation(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "old")
	env.allow(instanceA, "app/a")
	entries := []v1alpha1.SecretSync{withRefresh(entry("a", "app/a", "a"), time.Minute)}
	ctx := context.Background()
	mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))

	rotated := env.server.PutSecretString("app/a", "new")
	env.clock.Step(2 * time.Minute)
	results := env.syncer.Fetch(ctx, instanceA, entries)
	mustSucceed(t, results)

	if got := string(results[0].Data["a"]); got != "new" {
		t.Errorf("value after rotation = %q, want new", got)
	}
	if results[0].VersionID != rotated {
		t.Errorf("VersionID after rotation = %s, want %s", results[0].VersionID, rotated)
	}
}

func TestFetchBatchesCurrentVersions(t *testing.T) {
	env := newTestEnv(t)
	var entries []v1alpha1.SecretSync
	var names []string
	for i := range 3 {
		name := fmt.Sprintf("app/s%d", i)
		env.server.PutSecretString(name, fmt.Sprintf("value-%d", i))
		names = append(names, name)
		entries = append(entries, entry(fmt.Sprintf("s%d", i), name, fmt.Sprintf("k%d", i)))
	}
	env.allow(instanceA, names...)

	results := env.syncer.Fetch(context.Background(), instanceA, entries)
	mustSucceed(t, results)
	for i, r := range results {
		if got := string(r.Data[fmt.Sprintf("k%d", i)]); got != fmt.Sprintf("value-%d", i) {
			t.Errorf("entry %s = %q, want value-%d", r.Name, got, i)
		}
	}
	if got := env.server.Calls("BatchGetSecretValue"); got != 1 {
		t.Errorf("BatchGetSecretValue calls = %d, want 1", got)
	}
	if got := env.server.Calls("GetSecretValue"); got != 0 {
		t.Errorf("GetSecretValue calls = %d, want 0", got)
	}
}

func TestFetchBatchDeniedFallsBack(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.server.PutSecretString("app/b", "b")
	env.allow(instanceA, "app/a", "app/b")
	env.server.InjectFault(awslocal.Fault{Kind: awslocal.FaultAccessDenied, Op: "BatchGetSecretValue"})

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{
		entry("a", "app/a", "a"), entry("b", "app/b", "b"),
	})
	mustSucceed(t, results)
	if got := env.server.Calls("GetSecretValue"); got != 2 {
		t.Errorf("GetSecretValue calls after a denied batch = %d, want 2", got)
	}
}

func TestFetchThrottlingStormRetried(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	env.server.InjectFault(awslocal.Fault{Kind: awslocal.FaultThrottle, Op: "DescribeSecret", Count: 3})

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	mustSucceed(t, results)
	if got := env.server.Calls("DescribeSecret"); got != 4 {
		t.Errorf("DescribeSecret calls = %d, want 4 (three throttled, one served)", got)
	}
}

func TestFetchPersistentThrottlingFails(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	env.server.InjectFault(awslocal.Fault{Kind: awslocal.FaultThrottle, Op: "DescribeSecret"})

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	err := mustFail(t, results[0], ReasonThrottled)
	if !err.Transient {
		t.Errorf("Throttled error is not Transient")
	}
	if got := env.server.Calls("DescribeSecret"); got != defaultMaxAttempts {
		t.Errorf("DescribeSecret calls = %d, want %d (the retryer's max attempts)", got, defaultMaxAttempts)
	}
}

func TestFetchServerErrorIsUnavailable(t *testing.T) {
	env := newTestEnv(t, func(o *Options) { o.MaxAttempts = 2 })
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	env.server.InjectFault(awslocal.Fault{Kind: awslocal.FaultInternalError, Op: "GetSecretValue"})

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	err := mustFail(t, results[0], ReasonUnavailable)
	if !err.Transient {
		t.Errorf("Unavailable error is not Transient")
	}
	if got := env.server.Calls("GetSecretValue"); got != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2", got)
	}
}

func TestFetchAllowListDenial(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.server.PutSecretString("other/b", "b")
	env.allow(instanceA, "app/a")

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{
		entry("a", "app/a", "a"), entry("b", "other/b", "b"),
	})
	if results[0].Err != nil {
		t.Errorf("allowed entry failed: %v", results[0].Err)
	}
	err := mustFail(t, results[1], ReasonAccessDenied)
	assertFieldPrefix(t, err, "spec.secrets[name=b].remoteRef.secretID")
	if !strings.Contains(err.Message, roleA) {
		t.Errorf("message %q does not name the role", err.Message)
	}
}

func TestFetchRolesNeverShareCache(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("shared/a", "a")
	env.allow(instanceA, "shared/a")
	env.allow(instanceB)
	entries := []v1alpha1.SecretSync{entry("a", "shared/a", "a")}
	ctx := context.Background()

	mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))
	results := env.syncer.Fetch(ctx, instanceB, entries)
	mustFail(t, results[0], ReasonAccessDenied)
	if got := env.server.RoleCalls(roleB, "DescribeSecret"); got != 1 {
		t.Errorf("role B DescribeSecret calls = %d, want 1 (no answer from role A's cache)", got)
	}

	env.allow(instanceB, "shared/a")
	mustSucceed(t, env.syncer.Fetch(ctx, instanceB, entries))
	if got := env.server.RoleCalls(roleB, "GetSecretValue"); got != 1 {
		t.Errorf("role B GetSecretValue calls = %d, want 1 (its own read of the value)", got)
	}
	if got := env.server.RoleCalls(roleA, "GetSecretValue"); got != 1 {
		t.Errorf("role A GetSecretValue calls = %d, want 1", got)
	}
}

func TestFetchDeletedSecret(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	if err := env.server.DeleteSecret("app/a"); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	err := mustFail(t, results[0], ReasonDeleted)
	assertFieldPrefix(t, err, "spec.secrets[name=a].remoteRef.secretID")

	if err := env.server.RestoreSecret("app/a"); err != nil {
		t.Fatalf("RestoreSecret: %v", err)
	}
	mustSucceed(t, env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")}))
}

func TestFetchDecryptionFailure(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	env.server.InjectFault(awslocal.Fault{Kind: awslocal.FaultDecryption, SecretID: "app/a"})

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	mustFail(t, results[0], ReasonDecryptionFailed)
}

func TestFetchIdentityRejected(t *testing.T) {
	cases := []struct {
		name  string
		allow func(*awslocal.Server)
	}{
		{"wrong audience", func(s *awslocal.Server) {
			s.AllowRoleAudience(roleA, awslocal.ServiceAccountSubject("team-a", "api"), "vault", "app/a")
		}},
		{"wrong subject", func(s *awslocal.Server) {
			s.AllowRole(roleA, awslocal.ServiceAccountSubject("team-a", "other"), "app/a")
		}},
		{"unknown role", func(*awslocal.Server) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.server.PutSecretString("app/a", "a")
			c.allow(env.server)

			results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
			err := mustFail(t, results[0], ReasonIdentityRejected)
			assertFieldPrefix(t, err, "spec.serviceAccount.roleARN")
			if got := env.server.Calls("DescribeSecret"); got != 0 {
				t.Errorf("DescribeSecret calls without credentials = %d, want 0", got)
			}
		})
	}
}

func TestFetchTokenRequestFailure(t *testing.T) {
	env := newTestEnv(t)
	env.allow(instanceA, "app/a")
	env.tokens.err = errors.New(`serviceaccounts "api" not found`)

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{entry("a", "app/a", "a")})
	err := mustFail(t, results[0], ReasonTokenRequestFailed)
	if !strings.Contains(err.Message, "team-a/api") {
		t.Errorf("message %q does not name the ServiceAccount", err.Message)
	}
}

func TestFetchCredentialsCachedUntilExpiry(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.allow(instanceA, "app/a")
	entries := []v1alpha1.SecretSync{withRefresh(entry("a", "app/a", "a"), time.Minute)}
	ctx := context.Background()

	// awslocal issues one-hour credentials; the syncer replaces them 5m before expiry.
	for range 10 {
		mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))
		env.clock.Step(5 * time.Minute)
	}
	if got := env.server.Calls("AssumeRoleWithWebIdentity"); got != 1 {
		t.Errorf("AssumeRoleWithWebIdentity calls in 50m = %d, want 1", got)
	}
	env.clock.Step(6 * time.Minute)
	mustSucceed(t, env.syncer.Fetch(ctx, instanceA, entries))
	if got := env.server.Calls("AssumeRoleWithWebIdentity"); got != 2 {
		t.Errorf("AssumeRoleWithWebIdentity calls after 56m = %d, want 2", got)
	}
	if got := env.tokens.Requests(); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
}

func TestFetchWithoutRole(t *testing.T) {
	noRole := Instance{Namespace: "team-a", Name: "api", ServiceAccountName: "api"}
	entries := []v1alpha1.SecretSync{entry("a", "app/a", "a")}

	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	results := env.syncer.Fetch(context.Background(), noRole, entries)
	err := mustFail(t, results[0], ReasonNoCredentials)
	assertFieldPrefix(t, err, "spec.serviceAccount.roleARN")

	allowed := newTestEnv(t, func(o *Options) { o.AllowOperatorCredentials = true })
	allowed.server.PutSecretString("app/a", "a")
	results = allowed.syncer.Fetch(context.Background(), noRole, entries)
	mustSucceed(t, results)
	if got := allowed.tokens.Requests(); got != 0 {
		t.Errorf("token requests with operator credentials = %d, want 0", got)
	}
}

func TestFetchKeyCollision(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.server.PutSecretString("app/b", "b")
	env.allow(instanceA, "app/a", "app/b")

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{
		entry("a", "app/a", "same"), entry("b", "app/b", "same"),
	})
	if results[0].Err != nil {
		t.Errorf("first entry failed: %v", results[0].Err)
	}
	err := mustFail(t, results[1], ReasonInvalidSpec)
	if !strings.Contains(err.Message, `entry "a"`) {
		t.Errorf("message %q does not name the other entry", err.Message)
	}
}

func TestFetchTooLargeForOneSecret(t *testing.T) {
	env := newTestEnv(t)
	big := strings.Repeat("x", 60<<10)
	var entries []v1alpha1.SecretSync
	var names []string
	for i := range 18 {
		name := fmt.Sprintf("app/big%d", i)
		env.server.PutSecretString(name, big)
		names = append(names, name)
		entries = append(entries, entry(fmt.Sprintf("big%d", i), name, fmt.Sprintf("k%d", i)))
	}
	env.allow(instanceA, names...)

	results := env.syncer.Fetch(context.Background(), instanceA, entries)
	for _, r := range results {
		err := mustFail(t, r, ReasonTooLarge)
		assertFieldPrefix(t, err, fmt.Sprintf("spec.secrets[name=%s].secretName", r.Name))
	}
}

func TestFetchInvalidSpecEntries(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", `{"a":1}`)
	env.allow(instanceA, "app/a")
	both := entry("both", "app/a", "k")
	both.FanOut = true
	neither := entry("neither", "app/a", "")
	emptySegment := withProperty(entry("empty", "app/a", "k"), "a..b")
	badKey := entry("badkey", "app/a", "no/slash")
	noID := entry("noid", "", "k")

	results := env.syncer.Fetch(context.Background(), instanceA, []v1alpha1.SecretSync{both, neither, emptySegment, badKey, noID})
	wantFields := []string{
		"spec.secrets[name=both].fanOut",
		"spec.secrets[name=neither].key",
		"spec.secrets[name=empty].property",
		"spec.secrets[name=badkey].key",
		"spec.secrets[name=noid].remoteRef.secretID",
	}
	for i, field := range wantFields {
		err := mustFail(t, results[i], ReasonInvalidSpec)
		assertFieldPrefix(t, err, field)
	}
	if got := env.server.CallCounts(); len(got) != 0 {
		t.Errorf("AWS calls for invalid entries = %v, want none", got)
	}
}

// TestErrorsNeverContainValue feeds values that contain a marker into every failure
// that looks at a value, and checks that no error text contains the marker.
func TestErrorsNeverContainValue(t *testing.T) {
	const marker = "Zq7-SECRET-MARKER-9vX"
	env := newTestEnv(t)
	env.server.PutSecretString("app/notjson", marker+" is not json")
	env.server.PutSecretString("app/truncated", `{"password": "`+marker)
	env.server.PutSecretString("app/nested", `{"db": {"password": "`+marker+`"}, "list": ["`+marker+`"]}`)
	env.server.PutSecretString("app/badkeys", `{"`+marker+`/x": "`+marker+`"}`)
	env.server.PutSecretString("app/array", `["`+marker+`"]`)
	env.server.PutSecretBinary("app/binary", []byte(marker))
	env.server.PutSecretString("app/huge", marker+strings.Repeat("y", 64<<10))
	env.allow(instanceA, "app/notjson", "app/truncated", "app/nested", "app/badkeys", "app/array", "app/binary", "app/huge")

	fan := func(name, secretID string) v1alpha1.SecretSync {
		return v1alpha1.SecretSync{Name: name, SecretName: name, FanOut: true,
			RemoteRef: v1alpha1.RemoteSecretReference{SecretID: secretID}}
	}
	hugeEntries := make([]v1alpha1.SecretSync, 0, 16)
	for i := range 16 {
		hugeEntries = append(hugeEntries, entry(fmt.Sprintf("huge%d", i), "app/huge", fmt.Sprintf("h%d", i)))
	}
	entries := append([]v1alpha1.SecretSync{
		withProperty(entry("notjson", "app/notjson", "k1"), "password"),
		withProperty(entry("truncated", "app/truncated", "k2"), "password"),
		withProperty(entry("missing", "app/nested", "k3"), "db.user"),
		withProperty(entry("scalar", "app/nested", "k4"), "db.password.inner"),
		withProperty(entry("listindex", "app/nested", "k5"), "list.0"),
		withProperty(entry("binary", "app/binary", "k6"), "password"),
		fan("fanbadkeys", "app/badkeys"),
		fan("fanarray", "app/array"),
		fan("fannotjson", "app/notjson"),
		fan("fanbinary", "app/binary"),
	}, hugeEntries...)

	results := env.syncer.Fetch(context.Background(), instanceA, entries)
	for _, r := range results {
		if r.Err == nil {
			t.Errorf("entry %s succeeded, want an error", r.Name)
			continue
		}
		t.Logf("%s: %s", r.Err.Reason, r.Err)
		for _, text := range []string{r.Err.Error(), r.Err.Message, fmt.Sprintf("%+v", r.Err), fmt.Sprintf("%#v", *r.Err)} {
			if strings.Contains(text, marker) || strings.Contains(text, "SECRET-MARKER") {
				t.Errorf("entry %s (reason %s): error text contains the secret value", r.Name, r.Err.Reason)
			}
		}
	}
}

func TestHashDataStableAndVersioned(t *testing.T) {
	env := newTestEnv(t)
	env.server.PutSecretString("app/a", "a")
	env.server.PutSecretString("app/b", "b")
	env.allow(instanceA, "app/a", "app/b")
	entries := []v1alpha1.SecretSync{withRefresh(entry("a", "app/a", "a"), time.Minute), entry("b", "app/b", "b")}
	ctx := context.Background()

	first := env.syncer.Fetch(ctx, instanceA, entries)
	mustSucceed(t, first)
	reversed := []Result{first[1], first[0]}
	if HashData(first) != HashData(reversed) {
		t.Errorf("HashData depends on the order of results")
	}
	if again := env.syncer.Fetch(ctx, instanceA, entries); HashData(again) != HashData(first) {
		t.Errorf("HashData changed without a new version")
	}

	changedKey := []v1alpha1.SecretSync{entries[0], entry("b", "app/b", "b2")}
	if HashData(env.syncer.Fetch(ctx, instanceA, changedKey)) == HashData(first) {
		t.Errorf("HashData did not change when an entry's key changed")
	}

	env.server.PutSecretString("app/a", "a2")
	env.clock.Step(2 * time.Minute)
	rotated := env.syncer.Fetch(ctx, instanceA, entries)
	mustSucceed(t, rotated)
	if HashData(rotated) == HashData(first) {
		t.Errorf("HashData did not change after rotation")
	}
}
