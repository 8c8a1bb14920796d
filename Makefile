# Every tool comes from a Go module pinned in hack/tools/go.mod, so a clean clone builds
# the same binaries on any machine that reaches the Go module proxy.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

LOCALBIN ?= $(CURDIR)/bin
TOOLS_MOD := $(CURDIR)/hack/tools/go.mod
KUBE_VERSION := $(shell go list -modfile=$(TOOLS_MOD) -m -f '{{.Version}}' k8s.io/kubernetes)
KUBE_MINOR := $(word 2,$(subst ., ,$(KUBE_VERSION)))
ETCD_VERSION := $(shell go list -modfile=$(TOOLS_MOD) -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
CONTROLLER_TOOLS_VERSION := $(shell go list -modfile=$(TOOLS_MOD) -m -f '{{.Version}}' sigs.k8s.io/controller-tools)

# envtest looks for etcd, kube-apiserver and kubectl in KUBEBUILDER_ASSETS.
ENVTEST_ASSETS := $(LOCALBIN)/k8s/$(KUBE_VERSION)
export KUBEBUILDER_ASSETS := $(ENVTEST_ASSETS)

CONTROLLER_GEN := $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE := $(ENVTEST_ASSETS)/kubectl kustomize

# Fuzz time for each validator in `make test`; raise it for a longer local search.
FUZZTIME ?= 5s

KUBE_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 \
	-X k8s.io/component-base/version.gitMinor=$(KUBE_MINOR) \
	-X k8s.io/client-go/pkg/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/client-go/pkg/version.gitMajor=1 \
	-X k8s.io/client-go/pkg/version.gitMinor=$(KUBE_MINOR)
ETCD_LDFLAGS := -X go.etcd.io/etcd/api/v3/version.Version=$(ETCD_VERSION:v%=%)

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
		/^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-12s %s\n", $$1, $$2 } \
		/^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD, RBAC and webhook manifests under config/.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." \
		output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt on every package.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: verify
verify: manifests generate fmt ## Fail when generated files or formatting differ from the tree.
	go mod tidy
	git diff --exit-code

.PHONY: test
test: manifests generate fmt vet envtest ## Run every test on envtest, then a short fuzz run per validator.
	go test ./... -count=1 -timeout 30m
	hack/fuzz.sh $(FUZZTIME)

.PHONY: bench
bench: envtest ## Run the benchmarks (see docs/benchmarks.md).
	go test ./test/... -run '^$$' -bench . -benchmem -count=1 -timeout 60m

##@ Build

.PHONY: build
build: generate fmt vet ## Build the manager binary.
	go build -o $(LOCALBIN)/manager ./cmd/manager

# Extra flags for `make run`, for example ARGS="-aws-listen=127.0.0.1:14566".
ARGS ?=

.PHONY: run
run: envtest ## Run the operator: against KUBECONFIG's cluster, or a local control plane when none responds (or LOCAL=1).
	go build -o $(LOCALBIN)/localdev ./cmd/localdev
	$(LOCALBIN)/localdev $(ARGS)

.PHONY: install
install: manifests ## Install the CRDs into the cluster in KUBECONFIG.
	$(KUSTOMIZE) config/crd | $(ENVTEST_ASSETS)/kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests ## Remove the CRDs from the cluster in KUBECONFIG.
	$(KUSTOMIZE) config/crd | $(ENVTEST_ASSETS)/kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests ## Deploy the operator to the cluster in KUBECONFIG (needs cert-manager).
	$(KUSTOMIZE) config/default | $(ENVTEST_ASSETS)/kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: ## Remove the operator from the cluster in KUBECONFIG.
	$(KUSTOMIZE) config/default | $(ENVTEST_ASSETS)/kubectl delete --ignore-not-found -f -

##@ Tools

.PHONY: envtest
envtest: $(ENVTEST_ASSETS)/etcd $(ENVTEST_ASSETS)/kube-apiserver $(ENVTEST_ASSETS)/kubectl ## Build etcd, kube-apiserver and kubectl into bin/k8s.

$(ENVTEST_ASSETS)/kube-apiserver $(ENVTEST_ASSETS)/kubectl: $(TOOLS_MOD)
	@mkdir -p $(ENVTEST_ASSETS)
	@echo "Building $(@F) $(KUBE_VERSION) from Go modules (about 7 minutes on 2 cores when cold)"
	cd hack/tools && go build -ldflags '$(KUBE_LDFLAGS)' -o $@ k8s.io/kubernetes/cmd/$(@F)

$(ENVTEST_ASSETS)/etcd: $(TOOLS_MOD)
	@mkdir -p $(ENVTEST_ASSETS)
	cd hack/tools && go build -ldflags '$(ETCD_LDFLAGS)' -o $@ go.etcd.io/etcd/server/v3

$(CONTROLLER_GEN): $(TOOLS_MOD)
	@mkdir -p $(LOCALBIN)
	cd hack/tools && go build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen
