package controlplane

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// WriteCounter counts a client's requests that can change state, keyed by "METHOD
// path". Install it with rest.Config.Wrap(counter.Wrap). It leaves out Events, which
// the operator records on state transitions only, and TokenRequests, which store
// nothing, so a count of zero means the client changed no stored object.
type WriteCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Wrap returns next with every counted request recorded.
func (w *WriteCounter) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		path := req.URL.Path
		if req.Method != http.MethodGet && req.Method != http.MethodHead &&
			!strings.Contains(path, "/events") && !strings.HasSuffix(path, "/token") {
			w.mu.Lock()
			if w.counts == nil {
				w.counts = map[string]int{}
			}
			w.counts[req.Method+" "+path]++
			w.mu.Unlock()
		}
		return next.RoundTrip(req)
	})
}

// Snapshot returns a copy of the counts so far.
func (w *WriteCounter) Snapshot() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.counts)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// ReconcileTotal returns how many reconciles the named controller has finished in
// this process, whatever their result.
func ReconcileTotal(controller string) (float64, error) {
	return ControllerMetric("controller_runtime_reconcile_total", controller)
}

// ControllerMetric returns the sum, over every series of the metric family name that
// carries the label controller=<controller>, of its counter or gauge value, read from
// controller-runtime's registry in this process.
func ControllerMetric(name, controller string) (float64, error) {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return 0, fmt.Errorf("gathering controller-runtime metrics: %w", err)
	}
	total := 0.0
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, metric := range family.GetMetric() {
			for _, label := range metric.GetLabel() {
				if label.GetName() == "controller" && label.GetValue() == controller {
					total += metric.GetCounter().GetValue() + metric.GetGauge().GetValue()
				}
			}
		}
	}
	return total, nil
}
