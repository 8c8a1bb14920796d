package benchmark

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers"
)

const (
	// namespacesPerBatch is how many namespaces a batch spreads its instances over.
	namespacesPerBatch = 10
	// batchLabel marks the LeadpoetAPIs and namespaces of one batch, so that the
	// readiness watch selects only them.
	batchLabel = "benchmark.platform.leadpoet.io/batch"
	// touchAnnotation is the Service annotation that the steady-state pass changes.
	touchAnnotation = "benchmark.platform.leadpoet.io/touched"
	// touchFieldManager writes touchAnnotation, standing in for any other controller
	// or user that edits a child.
	touchFieldManager = "benchmark-touch"
	// quietPeriod is how long the controller must finish no reconcile to count as
	// idle.
	quietPeriod = time.Second
)

// batchSequence numbers batches across sub-benchmarks and -count runs, so that every
// batch gets fresh names.
var batchSequence atomic.Int64

// BenchmarkReady creates a batch of nginx-profile LeadpoetAPIs spread over 10 fresh
// namespaces and waits until every one is Ready for its current generation.
//
// One iteration is the whole batch. The default -benchtime=1s already stops after
// one iteration, because a batch takes longer than a second; -benchtime=1x makes that
// explicit, and -benchtime=Nx runs N batches and reports their mean. ns/op is the
// time from the first create to the last Ready. The custom metrics are:
//
//   - created-s: seconds to create the batch, one instance after another
//   - ready-s: seconds from the first create until every instance was Ready
//   - writes/instance: the manager's writes until it went idle, divided by the batch
//     size, leaving out Events and TokenRequests
//   - steady-writes: the manager's writes during a pass that reconciles every
//     instance again with nothing to change. The operator skips applies that would
//     change nothing, so this should be 0.
//   - heap-inuse-MiB: HeapInuse of this process after a GC, with the batch still in
//     place. The manager runs in this process, so it includes the benchmark's own
//     client and bookkeeping.
//
// B/op and allocs/op under -benchmem count every allocation in the process during
// the timed part, the manager's included.
func BenchmarkReady(b *testing.B) {
	for _, instances := range []int{100, 1000} {
		b.Run(fmt.Sprintf("instances=%d", instances), func(b *testing.B) {
			benchmarkReady(b, instances)
		})
	}
}

// batchResult is what one batch measured.
type batchResult struct {
	created, ready time.Duration
	writes         int
	steadyWrites   int
	heapInUseMiB   float64
}

func benchmarkReady(b *testing.B, instances int) {
	h := sharedHarness(b)
	b.Logf("heap in use after the manager started, before any instance: %.1f MiB", h.baseHeapMiB)

	var sum batchResult
	b.ResetTimer()
	for range b.N {
		result := h.runBatch(b, instances)
		sum.created += result.created
		sum.ready += result.ready
		sum.writes += result.writes
		sum.steadyWrites += result.steadyWrites
		sum.heapInUseMiB += result.heapInUseMiB
	}

	iterations := float64(b.N)
	b.ReportMetric(sum.created.Seconds()/iterations, "created-s")
	b.ReportMetric(sum.ready.Seconds()/iterations, "ready-s")
	b.ReportMetric(float64(sum.writes)/float64(instances)/iterations, "writes/instance")
	b.ReportMetric(float64(sum.steadyWrites)/iterations, "steady-writes")
	b.ReportMetric(sum.heapInUseMiB/iterations, "heap-inuse-MiB")
}

// runBatch creates instances LeadpoetAPIs, waits until all are Ready, runs the
// steady-state pass and deletes the batch. The benchmark timer runs only from the
// first create to the last Ready.
func (h *harness) runBatch(b *testing.B, instances int) batchResult {
	b.StopTimer()
	// The deadline grows with the batch because one worker reconciles every instance
	// in turn. Half a second per instance is an estimate with room to spare.
	timeout := 2*time.Minute + time.Duration(instances)*500*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	batch := fmt.Sprintf("b%d", batchSequence.Add(1))
	namespaces, err := h.createNamespaces(ctx, batch)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		// The batch's own deadline may be what failed it, so clean-up gets a new one.
		cleanupCtx, cancelCleanup := context.WithTimeout(context.Background(), timeout)
		defer cancelCleanup()
		if err := h.deleteBatch(cleanupCtx, batch, namespaces); err != nil {
			b.Errorf("deleting batch %s: %v", batch, err)
		}
	}()
	// Work left over from an earlier batch's clean-up would count against this one.
	if err := waitIdle(ctx, quietPeriod); err != nil {
		b.Fatal(err)
	}

	var result batchResult
	writesBefore := h.writes.Snapshot()
	start := time.Now()
	b.StartTimer()
	apis := make([]*platformv1alpha1.LeadpoetAPI, instances)
	for i := range apis {
		apis[i] = nginxAPI(namespaces[i%len(namespaces)], fmt.Sprintf("api-%04d", i), batch)
		if err := h.client.Create(ctx, apis[i]); err != nil {
			b.Fatalf("creating LeadpoetAPI %s: %v", client.ObjectKeyFromObject(apis[i]), err)
		}
	}
	result.created = time.Since(start)
	readyAt, err := waitAllReady(ctx, h.client, batchSelector(batch), instances)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	result.ready = readyAt.Sub(start)

	if err := waitIdle(ctx, quietPeriod); err != nil {
		b.Fatal(err)
	}
	var byResource map[string]int
	result.writes, byResource = writesSince(h.writes, writesBefore)
	b.Logf("batch %s of %d: writes until idle, by resource: %v", batch, instances, byResource)

	result.steadyWrites, err = h.steadyStatePass(ctx, b, apis)
	if err != nil {
		b.Fatal(err)
	}
	result.heapInUseMiB = heapInUseMiB()
	return result
}

// steadyStatePass changes an annotation on every instance's Service as another field
// manager, which queues one reconcile per instance with nothing for the operator to
// change, and returns the manager's writes until those reconciles are done.
func (h *harness) steadyStatePass(ctx context.Context, b *testing.B,
	apis []*platformv1alpha1.LeadpoetAPI) (int, error) {
	reconcilesBefore, err := reconcileTotal()
	if err != nil {
		return 0, err
	}
	writesBefore := h.writes.Snapshot()
	patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil,
		`{"metadata":{"annotations":{%q:%q}}}`, touchAnnotation, time.Now().Format(time.RFC3339Nano)))
	for _, api := range apis {
		service := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: api.Name, Namespace: api.Namespace}}
		if err := h.client.Patch(ctx, service, patch, client.FieldOwner(touchFieldManager)); err != nil {
			return 0, fmt.Errorf("touching Service %s: %w", client.ObjectKeyFromObject(service), err)
		}
	}
	if err := waitReconciles(ctx, reconcilesBefore, len(apis)); err != nil {
		return 0, err
	}
	if err := waitIdle(ctx, quietPeriod); err != nil {
		return 0, err
	}
	reconcilesAfter, err := reconcileTotal()
	if err != nil {
		return 0, err
	}
	writes, byResource := writesSince(h.writes, writesBefore)
	b.Logf("steady-state pass over %d instances: %.0f reconciles, %d writes %v",
		len(apis), reconcilesAfter-reconcilesBefore, writes, byResource)
	return writes, nil
}

func batchSelector(batch string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{batchLabel: batch})
}

// nginxAPI returns an instance served by ingress-nginx with a cert-manager issuer, as
// the integration suite's fixture of the same name. No cert-manager runs, so its
// Certificate never gets a status, which Ready does not wait for.
func nginxAPI(namespace, name, batch string) *platformv1alpha1.LeadpoetAPI {
	return &platformv1alpha1.LeadpoetAPI{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: namespace,
			Labels:    map[string]string{batchLabel: batch},
		},
		Spec: platformv1alpha1.LeadpoetAPISpec{
			Workload: platformv1alpha1.WorkloadSpec{Image: "registry.example.com/intent-api:1.0.0"},
			Ingress: &platformv1alpha1.IngressSpec{
				Profile: platformv1alpha1.IngressProfileNginx,
				Hosts:   []string{name + "." + namespace + ".example.com"},
				TLS: &platformv1alpha1.TLSSpec{
					IssuerRef: &platformv1alpha1.IssuerReference{Name: "selfsigned", Kind: "ClusterIssuer"},
				},
			},
			ServiceAccount: platformv1alpha1.ServiceAccountSpec{
				RoleARN: "arn:aws:iam::123456789012:role/" + name,
			},
		},
	}
}

func (h *harness) createNamespaces(ctx context.Context, batch string) ([]string, error) {
	names := make([]string, namespacesPerBatch)
	for i := range names {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:   fmt.Sprintf("bench-%s-%02d", batch, i),
			Labels: map[string]string{batchLabel: batch},
		}}
		if err := h.client.Create(ctx, namespace); err != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", namespace.Name, err)
		}
		names[i] = namespace.Name
	}
	return names, nil
}

// childKinds are the kinds of child the nginx profile creates.
var childKinds = []client.Object{
	&appsv1.Deployment{},
	&corev1.Service{},
	&corev1.ServiceAccount{},
	&corev1.ConfigMap{},
	&networkingv1.Ingress{},
	&networkingv1.NetworkPolicy{},
	&cmapi.Certificate{},
}

// deleteBatch deletes the batch's LeadpoetAPIs, then their children and namespaces.
// envtest runs no garbage collector or namespace controller, so children would stay
// in the manager's cache, and in the next batch's heap figure, unless deleted here.
// The namespaces themselves only reach Terminating.
func (h *harness) deleteBatch(ctx context.Context, batch string, namespaces []string) error {
	for _, namespace := range namespaces {
		if err := h.client.DeleteAllOf(ctx, &platformv1alpha1.LeadpoetAPI{}, client.InNamespace(namespace)); err != nil {
			return fmt.Errorf("deleting the LeadpoetAPIs in namespace %s: %w", namespace, err)
		}
	}
	// A reconcile still running from before the delete would apply the children
	// again, so they are deleted only once the controller is idle.
	if err := waitIdle(ctx, quietPeriod); err != nil {
		return err
	}
	managed := client.MatchingLabelsSelector{Selector: controllers.ManagedSelector()}
	for _, namespace := range namespaces {
		for _, kind := range childKinds {
			if err := deleteAllOf(ctx, h.client, kind, client.InNamespace(namespace), managed); err != nil {
				return fmt.Errorf("deleting %T children in namespace %s: %w", kind, namespace, err)
			}
		}
		namespaceObject := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
		if err := client.IgnoreNotFound(h.client.Delete(ctx, namespaceObject)); err != nil {
			return fmt.Errorf("deleting namespace %s: %w", namespace, err)
		}
	}
	return nil
}

// deleteAllOf deletes every object of kind that opts select, one by one when the
// resource does not support deletecollection.
func deleteAllOf(ctx context.Context, c client.Client, kind client.Object, opts ...client.DeleteAllOfOption) error {
	err := c.DeleteAllOf(ctx, kind, opts...)
	if !apierrors.IsMethodNotSupported(err) {
		return err
	}
	list := &metav1.PartialObjectMetadataList{}
	gvk, err := c.GroupVersionKindFor(kind)
	if err != nil {
		return err
	}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	listOptions := &client.DeleteAllOfOptions{}
	listOptions.ApplyOptions(opts)
	if err := c.List(ctx, list, &listOptions.ListOptions); err != nil {
		return err
	}
	for i := range list.Items {
		item := &list.Items[i]
		item.SetGroupVersionKind(gvk)
		if err := client.IgnoreNotFound(c.Delete(ctx, item)); err != nil {
			return err
		}
	}
	return nil
}
