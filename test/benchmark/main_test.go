// Package benchmark measures the real manager, as app.NewManager builds it, against a
// local etcd and kube-apiserver (envtest) with the admission webhooks served for real.
// Run it with `make bench`; docs/benchmarks.md records the results.
package benchmark

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/leadpoet/leadpoet-operator/cmd/manager/app"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

var nginxConfigMapKey = types.NamespacedName{Namespace: "ingress-nginx", Name: "ingress-nginx-controller"}

// harness is the control plane and manager that every benchmark in the process shares.
type harness struct {
	env *envtest.Environment
	// client reads straight from the API server, never from a cache, and can watch.
	client client.WithWatch
	// writes counts the manager's requests that can change state.
	writes *controlplane.WriteCounter
	// baseHeapMiB is the process's HeapInuse once the manager has started, before any
	// instance exists.
	baseHeapMiB float64

	stopManager context.CancelFunc
	managerDone chan error
}

var (
	harnessOnce sync.Once
	shared      *harness
	harnessErr  error
)

// TestMain stops the control plane and manager if a benchmark started them. Nothing
// starts when no benchmark runs, so `go test ./...` pays nothing for this package.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// sharedHarness starts envtest and the manager on first use and returns them.
func sharedHarness(b *testing.B) *harness {
	b.Helper()
	harnessOnce.Do(func() {
		shared, harnessErr = startHarness()
	})
	if harnessErr != nil {
		b.Fatal(harnessErr)
	}
	return shared
}

func startHarness() (*harness, error) {
	if err := setErrorLogger(); err != nil {
		return nil, err
	}

	env, err := controlplane.NewEnvironment()
	if err != nil {
		return nil, err
	}
	// envtest's default range, 10.0.0.0/24, runs out of ClusterIPs after about 250
	// Services, fewer than the largest batch creates.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	config, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest: %w", err)
	}
	h := &harness{env: env, writes: &controlplane.WriteCounter{}}
	if err := h.startManager(config); err != nil {
		return nil, errors.Join(err, h.stop())
	}
	return h, nil
}

func (h *harness) startManager(config *rest.Config) error {
	ctx := context.Background()
	var err error
	h.client, err = client.NewWithWatch(config, client.Options{Scheme: app.Scheme()})
	if err != nil {
		return fmt.Errorf("creating the benchmark client: %w", err)
	}
	if err := installClusterFixtures(ctx, h.client); err != nil {
		return err
	}

	managerConfig := rest.CopyConfig(config)
	// envtest's config sets QPS 1000; production uses ctrl.GetConfig, which turns the
	// client-side rate limiter off (QPS -1) and leaves throttling to the API server's
	// priority and fairness.
	managerConfig.QPS = -1
	managerConfig.Wrap(h.writes.Wrap)
	opts := app.Options{
		MetricsAddress: "0",
		ProbeAddress:   "0",
		NginxConfigMap: nginxConfigMapKey.Namespace + "/" + nginxConfigMapKey.Name,
		NginxNamespace: nginxConfigMapKey.Namespace,
		DNSNamespace:   "kube-system",
		DNSPodLabels:   "k8s-app=kube-dns",
	}
	opts.WebhookHost, opts.WebhookPort, opts.WebhookCertDir = controlplane.ManagerWebhookOptions(h.env)
	// opts.AWSConfig stays nil: no instance has spec.secrets, so secret sync makes no
	// AWS call, and without AWS_REGION it is simply off.
	mgr, err := app.NewManager(managerConfig, opts)
	if err != nil {
		return fmt.Errorf("building the manager: %w", err)
	}

	managerCtx, cancel := context.WithCancel(ctx)
	h.stopManager = cancel
	h.managerDone = make(chan error, 1)
	go func() { h.managerDone <- mgr.Start(managerCtx) }()

	// The webhooks fail closed, so the first create would be rejected until the
	// webhook server accepts connections.
	webhookStarted := mgr.GetWebhookServer().StartedChecker()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true,
		func(context.Context) (bool, error) { return webhookStarted(nil) == nil, nil })
	if err != nil {
		return fmt.Errorf("waiting for the webhook server: %w", err)
	}
	syncCtx, cancelSync := context.WithTimeout(ctx, time.Minute)
	defer cancelSync()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		return errors.New("timed out waiting for the manager's cache to sync")
	}
	h.baseHeapMiB = heapInUseMiB()
	return nil
}

// stop stops the manager, then the control plane.
func (h *harness) stop() error {
	var errs []error
	if h.stopManager != nil {
		h.stopManager()
		select {
		case err := <-h.managerDone:
			if err != nil {
				errs = append(errs, fmt.Errorf("manager stopped with an error: %w", err))
			}
		case <-time.After(time.Minute):
			errs = append(errs, errors.New("timed out waiting for the manager to stop"))
		}
	}
	if err := h.env.Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stopping envtest: %w", err))
	}
	return errors.Join(errs...)
}

// installClusterFixtures creates what a real cluster would already have for the nginx
// profile: its IngressClass and the ingress-nginx namespace and controller ConfigMap.
func installClusterFixtures(ctx context.Context, c client.Client) error {
	fixtures := []client.Object{
		&networkingv1.IngressClass{
			ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
			Spec:       networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"},
		},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nginxConfigMapKey.Namespace}},
		&corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: nginxConfigMapKey.Name, Namespace: nginxConfigMapKey.Namespace},
			// The same strict settings as the integration suite, so that every
			// nginx finding is enforced and no condition holds Ready back.
			Data: map[string]string{
				"ssl-protocols":                   "TLSv1.3",
				"hsts":                            "true",
				"hsts-max-age":                    "31536000",
				"hsts-include-subdomains":         "true",
				"hsts-preload":                    "true",
				"global-allowed-response-headers": "Content-Security-Policy,X-Frame-Options,X-Content-Type-Options",
			},
		},
	}
	for _, fixture := range fixtures {
		if err := c.Create(ctx, fixture); err != nil {
			return fmt.Errorf("creating fixture %T %s: %w", fixture, fixture.GetName(), err)
		}
	}
	return nil
}

// setErrorLogger makes the manager log errors only, to stderr: at info level it writes
// several lines per instance, which would bury the benchmark output. The level goes
// through the manager binary's own --zap-log-level flag.
func setErrorLogger() error {
	flags := flag.NewFlagSet("zap", flag.ContinueOnError)
	options := zap.Options{DestWriter: os.Stderr}
	options.BindFlags(flags)
	if err := flags.Parse([]string{"--zap-log-level=error"}); err != nil {
		return fmt.Errorf("setting the log level: %w", err)
	}
	logf.SetLogger(zap.New(zap.UseFlagOptions(&options)))
	return nil
}

// heapInUseMiB returns the process's HeapInuse after a garbage collection, in MiB. The
// manager runs in this process, so the figure is the manager's heap plus the
// benchmark's own client and bookkeeping.
func heapInUseMiB() float64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return float64(stats.HeapInuse) / (1 << 20)
}
