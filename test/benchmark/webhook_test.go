package benchmark

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// BenchmarkWebhookEndToEnd times a server-side dry-run create of an Ingress in a
// guarded namespace: the API server's admission chain, one webhook call and, for the
// rejected Ingress, the Invalid status back to the client. A dry run stores nothing
// and records no Event, so every iteration does the same work. The request goes to
// envtest's kube-apiserver, which calls the shared harness's webhook server over TLS on
// loopback.
func BenchmarkWebhookEndToEnd(b *testing.B) {
	k8s, namespace := guardedNamespace(b)

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

// guardedNamespace creates a namespace in the shared harness that opts in to the
// webhooks, and returns the harness's client and the namespace once the Ingress
// webhook rejects a weak Ingress there.
func guardedNamespace(b *testing.B) (client.Client, string) {
	b.Helper()
	k8s := sharedHarness(b).client
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "bench-webhook-",
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
