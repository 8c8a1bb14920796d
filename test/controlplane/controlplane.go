// Package controlplane starts a local etcd and kube-apiserver with the operator's CRDs
// and cert-manager's, for the integration suites and for `make run`.
package controlplane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/leadpoet/leadpoet-operator/config/crd"
)

const certManagerModule = "github.com/cert-manager/cert-manager"

// NewEnvironment returns an envtest environment that installs the operator's CRDs and
// cert-manager's. The binaries come from KUBEBUILDER_ASSETS, which `make envtest`
// fills from Go modules; downloads are never attempted.
func NewEnvironment() (*envtest.Environment, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return nil, errors.New("KUBEBUILDER_ASSETS is not set: run through make (make test, make run), " +
			"or export KUBEBUILDER_ASSETS=$(pwd)/bin/k8s/<version> after make envtest")
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, fmt.Errorf("kube-apiserver not found in KUBEBUILDER_ASSETS=%s: run make envtest", assets)
	}
	crds, err := crd.CustomResourceDefinitions()
	if err != nil {
		return nil, err
	}
	certManagerCRDs, err := CertManagerCRDDir()
	if err != nil {
		return nil, err
	}
	root, err := RepositoryRoot()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{
		CRDs:                  crds,
		CRDDirectoryPaths:     []string{certManagerCRDs},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		// envtest rewrites each webhook's service reference to its own local server,
		// so the API server calls the manager's webhooks for real.
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(root, "config", "webhook", "manifests.yaml")},
		},
	}, nil
}

// RepositoryRoot returns the directory of the operator's go.mod, wherever the caller
// runs from.
func RepositoryRoot() (string, error) {
	gomod, err := goCommand("env", "GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the leadpoet-operator module: run from the repository")
	}
	return filepath.Dir(gomod), nil
}

func goCommand(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s failed: %w: %s", strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// CertManagerCRDDir returns the directory of plain CRD YAML that the cert-manager
// module ships, at the version in go.mod.
func CertManagerCRDDir() (string, error) {
	moduleDir, err := goCommand("list", "-m", "-f", "{{.Dir}}", certManagerModule)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(moduleDir, "deploy", "crds")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("cert-manager CRDs not found at %s (run go mod download): %w", dir, err)
	}
	return dir, nil
}

// ApplyFile applies every object in a multi-document YAML file with server-side apply,
// under fieldManager.
func ApplyFile(ctx context.Context, c client.Client, path, fieldManager string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var applied []*unstructured.Unstructured
	for {
		object := &unstructured.Unstructured{}
		if err := decoder.Decode(&object.Object); err == io.EOF {
			break
		} else if err != nil {
			return applied, fmt.Errorf("decoding %s: %w", path, err)
		}
		if len(object.Object) == 0 {
			continue
		}
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(object),
			client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
			return applied, fmt.Errorf("applying %s %s from %s: %w", object.GetKind(), object.GetName(), path, err)
		}
		applied = append(applied, object)
	}
	return applied, nil
}

// ApplyDir applies every file in dir that matches pattern, in name order.
func ApplyDir(ctx context.Context, c client.Client, dir, pattern, fieldManager string) ([]*unstructured.Unstructured, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	var applied []*unstructured.Unstructured
	for _, path := range paths {
		objects, err := ApplyFile(ctx, c, path, fieldManager)
		applied = append(applied, objects...)
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// ManagerWebhookOptions points a manager's webhook server at the address, port and
// certificates that env registered with the API server.
func ManagerWebhookOptions(env *envtest.Environment) (host string, port int, certDir string) {
	options := env.WebhookInstallOptions
	return options.LocalServingHost, options.LocalServingPort, options.LocalServingCertDir
}
