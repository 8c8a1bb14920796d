// Package benchmark measures the operator's admission webhooks end to end: a client
// request to a real kube-apiserver (envtest), which calls the real manager's webhook
// server over TLS on loopback.
package benchmark

import (
	"context"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/leadpoet/leadpoet-operator/cmd/manager/app"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

// BenchmarkWebhookEndToEnd times a server-side dry-run create of an Ingress in a
// guarded namespace: the API server's admission chain, one webhook call and, for the
// rejected Ingress, the Invalid status back to the client. A dry run stores nothing
// and records no Event, so every iteration does the same work.
func BenchmarkWebhookEndToEnd(b *testing.B) {
	k8s, namespace := startOperator(b)

	b.Run("rejected", func(b *testing.B) {
		ingress := tlsIngress(namespace)
		ingress.Annotations = map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "false"}
		for b.Loop() {
			err := k8s.Create(context.Background(), ingress.DeepCopy(), client.DryRunAll)
			if !apierrors.IsInvalid(err) {
				b.Fatalf("dry-run create returned %v, want an Invalid error from the webhook", err)
			}
		}
	})
	b.Run("allowed", func(b *testing.B) {
		ingress := tlsIngress(namespace)
		for b.Loop() {
			if err := k8s.Create(context.Background(), ingress.DeepCopy(), client.DryRunAll); err != nil {
				b.Fatalf("dry-run create failed: %v", err)
			}
		}
	})
}

// startOperator starts envtest with the webhook configuration, the manager and a local
// AWS endpoint, and returns a client and a guarded namespace once the Ingress webhook
// rejects a weak Ingress.
// Everything stops when b ends.
func startOperator(b *testing.B) (client.Client, string) {
	b.Helper()
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	env, err := controlplane.NewEnvironment()
	if err != nil {
		b.Fatal(err)
	}
	config, err := env.Start()
	if err != nil {
		b.Fatalf("start envtest: %v", err)
	}
	b.Cleanup(func() {
		if err := env.Stop(); err != nil {
			b.Errorf("stop envtest: %v", err)
		}
	})

	// Secret sync reads through the local endpoint, so no request leaves loopback.
	aws := awslocal.New(awslocal.Options{})
	if _, err := aws.Start(); err != nil {
		b.Fatalf("start the local AWS endpoint: %v", err)
	}
	b.Cleanup(aws.Close)
	awsConfig := aws.AWSConfig()

	opts := app.Options{}
	opts.MetricsAddress = "0"
	opts.ProbeAddress = "0"
	opts.NginxConfigMap = "ingress-nginx/ingress-nginx-controller"
	opts.NginxNamespace = "ingress-nginx"
	opts.DNSNamespace = "kube-system"
	opts.DNSPodLabels = "k8s-app=kube-dns"
	opts.AWSConfig = &awsConfig
	opts.WebhookHost, opts.WebhookPort, opts.WebhookCertDir = controlplane.ManagerWebhookOptions(env)
	mgr, err := app.NewManager(config, opts)
	if err != nil {
		b.Fatalf("build the manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("manager stopped with an error: %v", err)
		}
	})

	k8s, err := client.New(config, client.Options{Scheme: app.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "bench-",
		Labels:       map[string]string{"platform.leadpoet.io/guarded": "true"},
	}}
	if err := k8s.Create(context.Background(), namespace); err != nil {
		b.Fatalf("create the guarded namespace: %v", err)
	}
	waitForWebhook(b, k8s, namespace.Name)
	return k8s, namespace.Name
}

// waitForWebhook waits until the Ingress webhook rejects a weak Ingress, which needs
// the manager's webhook server to listen and kube-apiserver's namespace informer to
// see the guarded label.
func waitForWebhook(b *testing.B, k8s client.Client, namespace string) {
	b.Helper()
	ingress := tlsIngress(namespace)
	ingress.Spec.TLS = nil
	deadline := time.Now().Add(time.Minute)
	var err error
	for time.Now().Before(deadline) {
		err = k8s.Create(context.Background(), ingress.DeepCopy(), client.DryRunAll)
		if apierrors.IsInvalid(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatalf("the Ingress webhook did not reject a weak Ingress within a minute; last result: %v", err)
}

// tlsIngress returns an Ingress that every rule allows.
func tlsIngress(namespace string) *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront", Namespace: namespace},
		Spec: networkingv1.IngressSpec{
			IngressClassName: new("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"}},
			Rules:            []networkingv1.IngressRule{{Host: "shop.example.com"}},
		},
	}
}
