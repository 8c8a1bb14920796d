// Package app builds and runs the manager from command-line options. Both the
// production binary and the local development command run it, so they cannot drift.
package app

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers"
	"github.com/leadpoet/leadpoet-operator/controllers/secretsync"
	"github.com/leadpoet/leadpoet-operator/webhooks"
)

// Options are the manager's command-line options.
type Options struct {
	MetricsAddress   string
	ProbeAddress     string
	LeaderElection   bool
	LeaderElectionNS string
	WebhookPort      int
	WebhookCertDir   string
	NginxConfigMap   string
	NginxNamespace   string
	DNSNamespace     string
	DNSPodLabels     string
	Controllers      controllers.Options

	// AllowOperatorCredentials lets instances without a role read secrets with the
	// operator's own AWS credentials.
	AllowOperatorCredentials bool
	// AWSConfig replaces the AWS configuration from the environment; tests point it at
	// a local endpoint. Nil loads the standard configuration.
	AWSConfig *aws.Config
	// SecretSyncClock replaces time.Now in secret sync, so tests can make a refresh
	// due without waiting for it.
	SecretSyncClock func() time.Time

	// DisableWebhooks runs the controllers without the admission webhook server.
	DisableWebhooks bool
	// WebhookHost is the address the webhook server binds; empty means all.
	WebhookHost string
	// OperatorUsername is the user the manager authenticates as, whose writes to
	// managed objects the webhooks allow. Empty means a SelfSubjectReview request to the API server.
	OperatorUsername  string
	AllowedAccounts   string
	AllowedPartitions string
}

// BindFlags registers the options on fs with their defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	defaults := controllers.DefaultOptions()
	fs.StringVar(&o.MetricsAddress, "metrics-bind-address", ":8080",
		"Address the Prometheus metrics endpoint listens on; \"0\" turns it off.")
	fs.StringVar(&o.ProbeAddress, "health-probe-bind-address", ":8081",
		"Address the /healthz and /readyz endpoints listen on.")
	fs.BoolVar(&o.LeaderElection, "leader-elect", false,
		"Elect a leader through a Lease, so that only one replica reconciles at a time.")
	fs.StringVar(&o.LeaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader election Lease; empty means the namespace the pod runs in.")
	fs.IntVar(&o.WebhookPort, "webhook-port", 9443, "Port the admission webhook server listens on.")
	fs.StringVar(&o.WebhookCertDir, "webhook-cert-dir", "",
		"Directory holding tls.crt and tls.key for the webhook server; empty means the "+
			"controller-runtime default. The files are reloaded when they change.")
	fs.StringVar(&o.NginxConfigMap, "nginx-configmap",
		defaults.NginxConfigMap.Namespace+"/"+defaults.NginxConfigMap.Name,
		"Namespace/name of the ingress-nginx controller ConfigMap, whose TLS and HSTS keys the nginx profile reports on.")
	fs.StringVar(&o.NginxNamespace, "nginx-namespace", defaults.NetworkPolicy.NginxNamespace,
		"Namespace of the ingress-nginx pods, the default ingress peer of the nginx profile.")
	fs.StringVar(&o.DNSNamespace, "dns-namespace", defaults.NetworkPolicy.DNSNamespace,
		"Namespace of the cluster DNS pods that every instance may reach on port 53.")
	fs.StringVar(&o.DNSPodLabels, "dns-pod-labels", "k8s-app=kube-dns",
		"Comma-separated key=value labels of the cluster DNS pods.")
	fs.BoolVar(&o.DisableWebhooks, "disable-webhooks", false,
		"Run without the admission webhook server, for a cluster whose webhook configurations are not installed.")
	fs.StringVar(&o.OperatorUsername, "operator-username", "",
		"Username the manager authenticates as; only it may change managed objects. Empty asks the API server.")
	fs.StringVar(&o.AllowedAccounts, "allowed-aws-accounts", "",
		"Comma-separated 12-digit AWS accounts that spec.serviceAccount.roleARN may name; empty allows any.")
	fs.StringVar(&o.AllowedPartitions, "allowed-aws-partitions", "",
		"Comma-separated AWS partitions (aws, aws-cn, aws-us-gov) that roleARN may name; empty allows any.")
	fs.BoolVar(&o.AllowOperatorCredentials, "allow-operator-credentials", false,
		"Let instances without spec.serviceAccount.roleARN read secrets with the operator's own AWS "+
			"credentials. Off by default, so that each instance reads only what its own role allows.")
}

// resolve turns the string flags into controller options.
func (o *Options) resolve() error {
	namespace, name, ok := strings.Cut(o.NginxConfigMap, "/")
	if !ok || namespace == "" || name == "" {
		return fmt.Errorf("invalid --nginx-configmap %q: use namespace/name", o.NginxConfigMap)
	}
	podLabels := map[string]string{}
	for _, pair := range strings.Split(o.DNSPodLabels, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid --dns-pod-labels %q: use key=value pairs separated by commas", o.DNSPodLabels)
		}
		podLabels[key] = value
	}
	o.Controllers.NginxConfigMap = types.NamespacedName{Namespace: namespace, Name: name}
	o.Controllers.NetworkPolicy = controllers.NetworkPolicyOptions{
		DNSNamespace:   o.DNSNamespace,
		DNSPodLabels:   podLabels,
		NginxNamespace: o.NginxNamespace,
	}
	return nil
}

// Scheme returns a scheme with every kind the operator reads or writes.
func Scheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(platformv1alpha1.AddToScheme(scheme))
	utilruntime.Must(cmapi.AddToScheme(scheme))
	return scheme
}

// Run builds the manager for config and runs it until ctx ends.
func Run(ctx context.Context, config *rest.Config, o Options) error {
	mgr, err := NewManager(config, o)
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("Starting manager")
	return mgr.Start(ctx)
}

// NewManager builds a manager for config with every controller and webhook
// registered. Integration suites call it to run exactly what production runs.
func NewManager(config *rest.Config, o Options) (ctrl.Manager, error) {
	if err := o.resolve(); err != nil {
		return nil, err
	}
	logger := ctrl.Log.WithName("setup")
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                  Scheme(),
		Cache:                   controllers.CacheOptions(),
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddress},
		HealthProbeBindAddress:  o.ProbeAddress,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "leadpoet-operator.platform.leadpoet.io",
		LeaderElectionNamespace: o.LeaderElectionNS,
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    o.WebhookHost,
			Port:    o.WebhookPort,
			CertDir: o.WebhookCertDir,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}

	installed, err := controllers.ServesCertificates(mgr.GetRESTMapper())
	if err != nil {
		return nil, err
	}
	if !installed {
		logger.Info("cert-manager's Certificate kind is not served; issuerRef will be reported, not applied")
	}
	o.Controllers.CertManagerInstalled = installed

	webhookOptions, err := o.webhookOptions(config)
	if err != nil {
		return nil, err
	}
	o.Controllers.Policy = webhookOptions.PolicyConfig()
	if !o.DisableWebhooks {
		if err := webhooks.SetupWebhooksWithManager(mgr, webhookOptions); err != nil {
			return nil, fmt.Errorf("setting up the admission webhooks: %w", err)
		}
	}
	reconciler := &controllers.Reconciler{Options: o.Controllers}
	syncer, err := secretsync.New(secretsync.Options{
		Client:                   mgr.GetClient(),
		AWSConfig:                o.AWSConfig,
		AllowOperatorCredentials: o.AllowOperatorCredentials,
		Now:                      o.SecretSyncClock,
	})
	if err != nil {
		// The operator still runs every other part; instances with spec.secrets
		// report SecretsSynced=False with this reason.
		logger.Error(err, "Secret sync is off")
	} else {
		reconciler.Secrets = syncer
	}
	if err := reconciler.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the LeadpoetAPI controller: %w", err)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding the health check: %w", err)
	}
	readiness := healthz.Ping
	if !o.DisableWebhooks {
		// A replica is ready only once it can serve admission requests, because the
		// webhooks fail closed.
		readiness = mgr.GetWebhookServer().StartedChecker()
	}
	if err := mgr.AddReadyzCheck("readyz", readiness); err != nil {
		return nil, fmt.Errorf("adding the readiness check: %w", err)
	}
	return mgr, nil
}

// webhookOptions resolves the webhook settings, asking the API server who the manager
// is when --operator-username is empty.
func (o *Options) webhookOptions(config *rest.Config) (webhooks.Options, error) {
	username := o.OperatorUsername
	if username == "" {
		clientset, err := kubernetes.NewForConfig(config)
		if err != nil {
			return webhooks.Options{}, fmt.Errorf("creating a client for SelfSubjectReview: %w", err)
		}
		review, err := clientset.AuthenticationV1().SelfSubjectReviews().Create(context.Background(),
			&authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			return webhooks.Options{}, fmt.Errorf("asking the API server for the operator's username "+
				"(set --operator-username to skip this): %w", err)
		}
		username = review.Status.UserInfo.Username
	}
	return webhooks.Options{
		OperatorUsername:  username,
		AllowedAccounts:   splitList(o.AllowedAccounts),
		AllowedPartitions: splitList(o.AllowedPartitions),
	}, nil
}

func splitList(value string) []string {
	var items []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
