// Package integration runs the real manager against a real etcd and kube-apiserver
// (envtest) and checks what lands in the API server.
package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/leadpoet/leadpoet-operator/cmd/manager/app"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

var (
	testEnv *envtest.Environment
	// k8s reads straight from the API server, never from a cache, so assertions see
	// what the server holds.
	k8s     client.Client
	writes  = &writeCounter{}
	cancel  context.CancelFunc
	mgrDone = make(chan struct{})

	// aws is the local Secrets Manager and STS endpoint that secret sync talks to
	// through the real AWS SDK, and clock is secret sync's time, which tests move on
	// to make a refresh due.
	aws   *awslocal.Server
	clock = &fakeClock{now: time.Now()}
	// logs holds everything the manager logged, for the test that no secret value
	// leaks.
	logs = &syncBuffer{}
)

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Integration Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, logs)), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	testEnv, err = controlplane.NewEnvironment()
	Expect(err).NotTo(HaveOccurred())
	config, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	k8s, err = client.New(config, client.Options{Scheme: app.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	installClusterFixtures()

	// The manager's requests go through writes, which counts every request that can
	// change state, so tests can prove a resync writes nothing.
	managerConfig := rest.CopyConfig(config)
	managerConfig.Wrap(writes.wrap)
	opts := app.Options{}
	opts.MetricsAddress = "0"
	opts.ProbeAddress = "0"
	opts.NginxConfigMap = nginxConfigMapKey.Namespace + "/" + nginxConfigMapKey.Name
	opts.NginxNamespace = nginxConfigMapKey.Namespace
	// The webhook tests name a role outside these to see it rejected.
	opts.AllowedAccounts = "123456789012"
	opts.AllowedPartitions = "aws"
	opts.DNSNamespace = "kube-system"
	opts.DNSPodLabels = "k8s-app=kube-dns"
	opts.WebhookHost, opts.WebhookPort, opts.WebhookCertDir = controlplane.ManagerWebhookOptions(testEnv)

	aws = awslocal.New(awslocal.Options{})
	_, err = aws.Start()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(aws.Close)
	awsConfig := aws.AWSConfig()
	opts.AWSConfig = &awsConfig
	opts.SecretSyncClock = clock.Now
	mgr, err := app.NewManager(managerConfig, opts)
	Expect(err).NotTo(HaveOccurred())

	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
		Eventually(mgrDone, time.Minute).Should(BeClosed())
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// installClusterFixtures creates what a real cluster would already have: the two
// IngressClasses and the ingress-nginx namespace and ConfigMap.
func installClusterFixtures() {
	ctx := context.Background()
	for _, class := range []struct{ name, controller string }{
		{"alb", "ingress.k8s.aws/alb"},
		{"nginx", "k8s.io/ingress-nginx"},
		{"traefik", "traefik.io/ingress-controller"},
	} {
		Expect(k8s.Create(ctx, &networkingv1.IngressClass{
			ObjectMeta: metav1.ObjectMeta{Name: class.name},
			Spec:       networkingv1.IngressClassSpec{Controller: class.controller},
		})).To(Succeed())
	}
	Expect(k8s.Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: nginxConfigMapKey.Namespace},
	})).To(Succeed())
	Expect(k8s.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: nginxConfigMapKey.Name, Namespace: nginxConfigMapKey.Namespace},
		Data:       strictNginxConfig(),
	})).To(Succeed())
}

// writeCounter counts the manager's requests that can change state, by URL path.
type writeCounter struct {
	mu     sync.Mutex
	byPath map[string]int
}

func (w *writeCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.mu.Lock()
			if w.byPath == nil {
				w.byPath = map[string]int{}
			}
			w.byPath[req.URL.Path]++
			w.mu.Unlock()
		}
		return next.RoundTrip(req)
	})
}

// inNamespace returns the writes to objects in namespace. It leaves out Events, which
// the operator records on state transitions only, and TokenRequests, which store
// nothing.
func (w *writeCounter) inNamespace(namespace string) map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	result := map[string]int{}
	for path, count := range w.byPath {
		if strings.Contains(path, "/namespaces/"+namespace+"/") && !strings.Contains(path, "/events") &&
			!strings.HasSuffix(path, "/token") {
			result[path] = count
		}
	}
	return result
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// fakeClock is a clock that tests move forward by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a bytes.Buffer that the manager's goroutines may write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
