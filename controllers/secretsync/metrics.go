package secretsync

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// outcomeSuccess is the outcome label of a call or an entry that succeeded. Failures
// carry their Reason.
const (
	outcomeSuccess = "Success"
	outcomeSynced  = "Synced"
)

var (
	awsCallsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadpoet_secretsync_aws_calls_total",
		Help: "AWS and TokenRequest calls made for secret sync, by API and outcome (Success or a failure reason). " +
			"A call counts once, however many attempts the SDK retryer made.",
	}, []string{"api", "outcome"})

	entriesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadpoet_secretsync_entries_total",
		Help: "spec.secrets entries that Fetch returned, by outcome (Synced or a failure reason).",
	}, []string{"outcome"})

	lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leadpoet_secretsync_last_success_timestamp_seconds",
		Help: "Unix time at which Fetch last returned every entry of the instance without an error.",
	}, []string{"namespace", "name"})
)

func init() {
	metrics.Registry.MustRegister(awsCallsTotal, entriesTotal, lastSuccess)
}

// recorder writes the package's metrics.
type recorder struct{}

func (recorder) awsCall(api, outcome string) {
	awsCallsTotal.WithLabelValues(api, outcome).Inc()
}

func (recorder) entry(outcome string) {
	entriesTotal.WithLabelValues(outcome).Inc()
}

func (recorder) success(namespace, name string, unixSeconds float64) {
	if name != "" {
		lastSuccess.WithLabelValues(namespace, name).Set(unixSeconds)
	}
}

func (recorder) forget(namespace, name string) {
	lastSuccess.DeleteLabelValues(namespace, name)
}
