package secretsync

import (
	"context"
	"fmt"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
)

// BenchmarkSteadyState simulates one day of 100 instances with 5 secrets each and the
// default 1h refresh interval, each instance reconciled every 10 minutes, against
// awslocal on loopback. The clock is simulated, so one iteration runs the whole day;
// ns/op is the wall time of that day. The metrics are AWS calls per day and per
// refresh period (one hour).
func BenchmarkSteadyState(b *testing.B) {
	const (
		instances  = 100
		secrets    = 5
		day        = 24 * time.Hour
		reconcile  = 10 * time.Minute
		refreshDue = DefaultRefreshInterval
	)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		env := newBenchEnv(b)
		insts := make([]Instance, instances)
		entries := make([][]v1alpha1.SecretSync, instances)
		for i := range insts {
			ns := fmt.Sprintf("team-%03d", i)
			insts[i] = Instance{Namespace: ns, Name: "api", ServiceAccountName: "api",
				RoleARN: fmt.Sprintf("arn:aws:iam::123456789012:role/team-%03d", i)}
			var names []string
			for j := range secrets {
				name := fmt.Sprintf("%s/secret-%d", ns, j)
				env.server.PutSecretString(name, fmt.Sprintf(`{"value":"%d-%d"}`, i, j))
				names = append(names, name)
				entries[i] = append(entries[i], withProperty(entry(fmt.Sprintf("s%d", j), name, fmt.Sprintf("k%d", j)), "value"))
			}
			env.server.AllowRole(insts[i].RoleARN, awslocal.ServiceAccountSubject(ns, "api"), names...)
		}
		b.StartTimer()

		fetches := 0
		for elapsed := time.Duration(0); elapsed < day; elapsed += reconcile {
			for i := range insts {
				for _, r := range env.syncer.Fetch(ctx, insts[i], entries[i]) {
					if r.Err != nil {
						b.Fatalf("entry %s of %s failed: %v", r.Name, insts[i].Namespace, r.Err)
					}
				}
				fetches++
			}
			env.clock.Step(reconcile)
		}

		b.StopTimer()
		counts := env.server.CallCounts()
		periods := float64(day / refreshDue)
		total := 0
		for _, n := range counts {
			total += n
		}
		b.ReportMetric(float64(counts["DescribeSecret"]), "describe/day")
		b.ReportMetric(float64(counts["GetSecretValue"]+counts["BatchGetSecretValue"]), "value-reads/day")
		b.ReportMetric(float64(counts["AssumeRoleWithWebIdentity"]), "sts/day")
		b.ReportMetric(float64(env.tokens.Requests()), "token-requests/day")
		b.ReportMetric(float64(total)/periods, "aws-calls/refresh-period")
		b.ReportMetric(float64(fetches), "fetches/day")
		b.StartTimer()
	}
}

// BenchmarkRotationLatency measures the time from a refresh that is due after a
// rotation to Fetch returning the new value: one DescribeSecret and one GetSecretValue
// through the library over loopback. The end-to-end delay after a rotation adds the
// wait for the refresh, up to the refresh interval plus 10%.
func BenchmarkRotationLatency(b *testing.B) {
	env := newBenchEnv(b)
	env.server.PutSecretString("app/db", `{"password":"v0"}`)
	env.server.AllowRole(roleA, awslocal.ServiceAccountSubject("team-a", "api"), "app/db")
	entries := []v1alpha1.SecretSync{withRefresh(withProperty(entry("db", "app/db", "password"), "password"), time.Minute)}
	ctx := context.Background()
	if r := env.syncer.Fetch(ctx, instanceA, entries)[0]; r.Err != nil {
		b.Fatalf("first Fetch: %v", r.Err)
	}

	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		want := fmt.Sprintf("v%d", i+1)
		env.server.PutSecretString("app/db", fmt.Sprintf(`{"password":%q}`, want))
		env.clock.Step(2 * time.Minute)
		b.StartTimer()

		r := env.syncer.Fetch(ctx, instanceA, entries)[0]
		if r.Err != nil {
			b.Fatalf("Fetch after rotation %d: %v", i+1, r.Err)
		}
		if got := string(r.Data["password"]); got != want {
			b.Fatalf("value after rotation %d = %q, want %q", i+1, got, want)
		}
	}
}

func newBenchEnv(b *testing.B) *testEnv {
	b.Helper()
	clock := testingclock.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	server := awslocal.New(awslocal.Options{Now: clock.Now})
	if _, err := server.Start(); err != nil {
		b.Fatalf("start awslocal: %v", err)
	}
	b.Cleanup(server.Close)
	tokens := &fakeTokens{clock: clock}
	cfg := server.AWSConfig()
	syncer, err := New(Options{TokenSource: tokens, AWSConfig: &cfg, Now: clock.Now})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	return &testEnv{server: server, syncer: syncer, tokens: tokens, clock: clock}
}
