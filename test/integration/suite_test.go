// Package integration runs the real manager against a real etcd and kube-apiserver
// (envtest) and checks what lands in the API server.
package integration

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	testingclock "k8s.io/utils/clock/testing"
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
	writes  = &controlplane.WriteCounter{}
	cancel  context.CancelFunc
	mgrDone = make(chan struct{})

	// aws is the local Secrets Manager and STS endpoint that secret sync talks to
	// through the real AWS SDK, and clock is secret sync's time, which tests move on
	// to make a refresh due.
	aws   *awslocal.Server
	clock = testingclock.NewFakeClock(time.Now())
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
	managerConfig.Wrap(writes.Wrap)
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
