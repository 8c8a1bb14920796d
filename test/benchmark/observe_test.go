package benchmark

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

// writesSince returns the writes w counted after before was taken: their total and their counts
// by method and resource, such as "PATCH services" or "PATCH leadpoetapis/status".
func writesSince(w *controlplane.WriteCounter, before map[string]int) (total int, byResource map[string]int) {
	byResource = map[string]int{}
	for key, count := range w.Snapshot() {
		added := count - before[key]
		if added == 0 {
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		byResource[method+" "+resourceOf(path)] += added
		total += added
	}
	return total, byResource
}

// resourceOf returns the resource, with its subresource if any, that a Kubernetes API
// path names: /apis/apps/v1/namespaces/ns/deployments/name returns "deployments", and
// /api/v1/namespaces/ns returns "namespaces".
func resourceOf(path string) string {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segments) > 2 && segments[0] == "api":
		segments = segments[2:]
	case len(segments) > 3 && segments[0] == "apis":
		segments = segments[3:]
	default:
		return path
	}
	if len(segments) > 2 && segments[0] == "namespaces" {
		segments = segments[2:]
	}
	if len(segments) > 2 {
		return segments[0] + "/" + segments[2]
	}
	return segments[0]
}

// controllerName is the name the LeadpoetAPI controller registers, which labels its
// controller-runtime metrics.
const controllerName = "leadpoetapi"

// reconcileTotal returns how many reconciles of LeadpoetAPIs have finished, whatever
// their result.
func reconcileTotal() (float64, error) {
	return controlplane.ReconcileTotal(controllerName)
}

// waitIdle waits until the controller's queue is empty, no worker is busy and no
// reconcile has finished for quietPeriod. The quiet period covers the short delay
// between a write and the informer event that queues the next reconcile.
func waitIdle(ctx context.Context, quietPeriod time.Duration) error {
	var lastTotal float64
	lastChange := time.Now()
	for {
		total, err := reconcileTotal()
		if err != nil {
			return err
		}
		depth, err := controlplane.ControllerMetric("workqueue_depth", controllerName)
		if err != nil {
			return err
		}
		active, err := controlplane.ControllerMetric("controller_runtime_active_workers", controllerName)
		if err != nil {
			return err
		}
		if total != lastTotal || depth > 0 || active > 0 {
			lastTotal, lastChange = total, time.Now()
		} else if time.Since(lastChange) >= quietPeriod {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the controller to go idle (queue depth %.0f, busy workers %.0f): %w",
				depth, active, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitReconciles waits until the reconcile total reaches before+count.
func waitReconciles(ctx context.Context, before float64, count int) error {
	for {
		total, err := reconcileTotal()
		if err != nil {
			return err
		}
		if total-before >= float64(count) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d reconciles, %.0f finished: %w", count, total-before, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// isReady reports whether api's status describes its current generation with
// Ready=True.
func isReady(api *platformv1alpha1.LeadpoetAPI) bool {
	if api.Status.ObservedGeneration != api.Generation {
		return false
	}
	ready := meta.FindStatusCondition(api.Status.Conditions, platformv1alpha1.ConditionReady)
	return ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == api.Generation
}

// waitAllReady watches the LeadpoetAPIs that selector matches until want of them are
// Ready, and returns the time the watch delivered the last one. A watch that the API
// server closes is resumed from a fresh list.
func waitAllReady(ctx context.Context, c client.WithWatch, selector labels.Selector, want int) (time.Time, error) {
	ready := map[types.NamespacedName]bool{}
	for {
		list := &platformv1alpha1.LeadpoetAPIList{}
		if err := c.List(ctx, list, client.MatchingLabelsSelector{Selector: selector}); err != nil {
			return time.Time{}, notReadyError(ctx, c, selector, len(ready), want, err)
		}
		clear(ready)
		for i := range list.Items {
			if isReady(&list.Items[i]) {
				ready[client.ObjectKeyFromObject(&list.Items[i])] = true
			}
		}
		if len(ready) >= want {
			return time.Now(), nil
		}

		watcher, err := c.Watch(ctx, &platformv1alpha1.LeadpoetAPIList{}, &client.ListOptions{
			LabelSelector: selector,
			Raw:           &metav1.ListOptions{ResourceVersion: list.ResourceVersion},
		})
		if err != nil {
			return time.Time{}, notReadyError(ctx, c, selector, len(ready), want, err)
		}
		for event := range watcher.ResultChan() {
			api, ok := event.Object.(*platformv1alpha1.LeadpoetAPI)
			if event.Type == watch.Error || !ok {
				break
			}
			key := client.ObjectKeyFromObject(api)
			if event.Type != watch.Deleted && isReady(api) {
				ready[key] = true
			} else {
				delete(ready, key)
			}
			if len(ready) >= want {
				watcher.Stop()
				return time.Now(), nil
			}
		}
		watcher.Stop()
		if ctx.Err() != nil {
			return time.Time{}, notReadyError(ctx, c, selector, len(ready), want, ctx.Err())
		}
	}
}

// notReadyError wraps cause with how many instances were Ready and the Ready
// condition of one that was not, which usually names what held it back.
func notReadyError(ctx context.Context, c client.Client, selector labels.Selector, ready, want int,
	cause error) error {
	err := fmt.Errorf("%d of %d LeadpoetAPIs Ready: %w", ready, want, cause)
	// ctx may be the expired one, so the diagnostic list gets its own deadline.
	listCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	list := &platformv1alpha1.LeadpoetAPIList{}
	if listErr := c.List(listCtx, list, client.MatchingLabelsSelector{Selector: selector}); listErr != nil {
		return err
	}
	for i := range list.Items {
		api := &list.Items[i]
		if isReady(api) {
			continue
		}
		condition := meta.FindStatusCondition(api.Status.Conditions, platformv1alpha1.ConditionReady)
		if condition == nil {
			return fmt.Errorf("%w; %s has no Ready condition (generation %d, observed %d)",
				err, client.ObjectKeyFromObject(api), api.Generation, api.Status.ObservedGeneration)
		}
		return fmt.Errorf("%w; %s is Ready=%s: %s: %s", err, client.ObjectKeyFromObject(api),
			condition.Status, condition.Reason, condition.Message)
	}
	return err
}
