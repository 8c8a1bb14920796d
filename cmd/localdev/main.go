// Command localdev is `make run`: it runs the operator against the cluster in
// KUBECONFIG when one responds, and otherwise against a local etcd and kube-apiserver
// that it starts, seeds with the samples and stops again on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/leadpoet/leadpoet-operator/cmd/manager/app"
	"github.com/leadpoet/leadpoet-operator/controllers"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
	"github.com/leadpoet/leadpoet-operator/test/controlplane"
)

// clusterProbeTimeout bounds the check for a reachable cluster, so that a stale
// kubeconfig does not hold up the local fallback for long.
const clusterProbeTimeout = 5 * time.Second

func main() {
	var opts app.Options
	opts.BindFlags(flag.CommandLine)
	// Loopback addresses keep a developer's metrics and probes off the network.
	_ = flag.Set("metrics-bind-address", "127.0.0.1:8080")
	_ = flag.Set("health-probe-bind-address", "127.0.0.1:8081")
	stateDir := flag.String("state-dir", "bin/local", "Directory for the local control plane's kubeconfig.")
	awsListen := flag.String("aws-listen", "127.0.0.1:4566",
		"Loopback host:port of the local Secrets Manager and STS endpoint that the local run starts.")
	zapOpts := zap.Options{Development: true}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	ctx := ctrl.SetupSignalHandler()
	if err := run(ctx, opts, *stateDir, *awsListen); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts app.Options, stateDir, awsListen string) error {
	if os.Getenv("LOCAL") != "1" {
		if config, ok := reachableCluster(); ok {
			fmt.Printf("Running against the cluster at %s (set LOCAL=1 for a local control plane).\n", config.Host)
			fmt.Println("The CRDs must be installed there first: make install")
			return app.Run(ctx, config, opts)
		}
	}
	return runLocal(ctx, opts, stateDir, awsListen)
}

// reachableCluster returns the kubeconfig's cluster when its API server responds.
func reachableCluster() (*rest.Config, bool) {
	// Only a kubeconfig counts: the in-cluster fallback of ctrl.GetConfig makes no
	// sense on a developer's machine.
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		return nil, false
	}
	probe := rest.CopyConfig(config)
	probe.Timeout = clusterProbeTimeout
	client, err := discovery.NewDiscoveryClientForConfig(probe)
	if err != nil {
		return nil, false
	}
	if _, err := client.ServerVersion(); err != nil {
		fmt.Printf("No cluster answered at %s (%v); starting a local control plane.\n", config.Host, err)
		return nil, false
	}
	return config, true
}

func runLocal(ctx context.Context, opts app.Options, stateDir, awsListen string) (err error) {
	env, err := controlplane.NewEnvironment()
	if err != nil {
		return err
	}
	aws, err := startLocalAWS(awsListen)
	if err != nil {
		return err
	}
	defer aws.Close()
	awsConfig := aws.AWSConfig()
	opts.AWSConfig = &awsConfig
	fmt.Println("Starting etcd and kube-apiserver from", env.BinaryAssetsDirectory)
	config, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the local control plane: %w", err)
	}
	defer func() {
		fmt.Println("Stopping the local control plane")
		err = errors.Join(err, env.Stop())
	}()

	opts.WebhookHost, opts.WebhookPort, opts.WebhookCertDir = controlplane.ManagerWebhookOptions(env)
	kubeconfig, err := writeKubeconfig(env, stateDir)
	if err != nil {
		return err
	}
	c, err := client.New(config, client.Options{Scheme: app.Scheme()})
	if err != nil {
		return fmt.Errorf("creating a client for the local control plane: %w", err)
	}
	if err := applyDir(ctx, c, "config/local", "*.yaml"); err != nil {
		return err
	}

	mgr, err := app.NewManager(config, opts)
	if err != nil {
		return err
	}
	managerDone := make(chan error, 1)
	go func() { managerDone <- mgr.Start(ctx) }()

	// The samples go through the admission webhooks, so they wait until the webhook
	// server accepts connections.
	if err := waitForWebhookServer(ctx, mgr, managerDone); err != nil {
		return err
	}
	// The samples directory also holds a kustomization and the local AWS endpoint's
	// seed, so only the sample objects themselves are applied from it.
	if err := applyDir(ctx, c, "config/samples", "platform_*.yaml"); err != nil {
		return err
	}

	fmt.Printf("\nThe local control plane is up. In another shell:\n\n"+
		"  export KUBECONFIG=%s\n  alias kubectl=%s\n  kubectl get lpapi -A\n\n"+
		"Rotate a secret in the local Secrets Manager, then ask for a sync now (or wait up to the\n"+
		"entry's refreshInterval) and watch the Secret and the Deployment's pod template follow:\n\n"+
		"  curl -s -XPOST %s/_admin/secrets -d '{\"name\":\"leadpoet/openai\",\"secretString\":\"{\\\"api_key\\\":\\\"rotated\\\"}\"}'\n"+
		"  kubectl annotate lpapi leadpoet-sample --overwrite %s=\"$(date +%%s)\"\n\n"+
		"Press Ctrl-C to stop.\n\n",
		kubeconfig, filepath.Join(env.BinaryAssetsDirectory, "kubectl"), aws.URL(), controllers.AnnotationRefreshSecrets)
	return <-managerDone
}

func applyDir(ctx context.Context, c client.Client, dir, pattern string) error {
	applied, err := controlplane.ApplyDir(ctx, c, dir, pattern, "leadpoet-localdev")
	for _, object := range applied {
		fmt.Printf("Applied %s %s\n", object.GetKind(), client.ObjectKeyFromObject(object))
	}
	return err
}

// waitForWebhookServer returns once the manager's webhook server accepts connections,
// or with the manager's error if it stops first.
func waitForWebhookServer(ctx context.Context, mgr manager.Manager, managerDone <-chan error) error {
	checker := mgr.GetWebhookServer().StartedChecker()
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		if checker(nil) == nil {
			return nil
		}
		select {
		case err := <-managerDone:
			return fmt.Errorf("the manager stopped before its webhook server started: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

func writeKubeconfig(env *envtest.Environment, stateDir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("creating the local admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("rendering the local kubeconfig: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(stateDir, "kubeconfig"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// startLocalAWS starts the local Secrets Manager and STS, seeded for the samples, so
// the sample's spec.secrets sync without an AWS account.
func startLocalAWS(listen string) (*awslocal.Server, error) {
	aws := awslocal.New(awslocal.Options{Addr: listen})
	if _, err := aws.LoadSeedFile("config/samples/awslocal-seed.yaml"); err != nil {
		return nil, fmt.Errorf("seeding the local Secrets Manager: %w", err)
	}
	url, err := aws.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the local Secrets Manager and STS on %s (pick another "+
			"address with -aws-listen): %w", listen, err)
	}
	fmt.Println("Local Secrets Manager and STS serving at", url)
	return aws, nil
}
