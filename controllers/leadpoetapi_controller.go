// Package controllers reconciles LeadpoetAPI objects into the hardened children that
// run and expose one instance of the Leadpoet intent model API.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// Log verbosity levels. Info is for state transitions; no-op loops log at debugLevel.
const debugLevel = 1

// Reconciler reconciles LeadpoetAPI objects.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// NginxConfig reads the ingress-nginx controller ConfigMap; nil when the nginx
	// profile's ConfigMap is not watched.
	NginxConfig client.Reader
	// APIReader reads from the API server without a cache. The reconciler uses it only
	// for metadata of Secrets that fall outside the cache's label selector.
	APIReader client.Reader
	// Recorder records Events on the LeadpoetAPI.
	Recorder events.EventRecorder
	// Secrets reads spec.secrets values from AWS; nil turns secret sync off, and every
	// instance with spec.secrets then reports SecretsSynced=False.
	Secrets SecretFetcher
	// Options are the cluster-specific settings.
	Options Options

	secretState secretSyncState
}

// Options are the settings that differ between clusters.
type Options struct {
	// NetworkPolicy locates cluster DNS and the ingress-nginx namespace.
	NetworkPolicy NetworkPolicyOptions
	// NginxConfigMap names the ingress-nginx controller ConfigMap, whose TLS and HSTS
	// keys apply to every Ingress of the nginx profile.
	NginxConfigMap types.NamespacedName
	// CertManagerInstalled is true when the cluster serves cert-manager's Certificate
	// kind. Without it, an issuerRef is reported instead of applied.
	CertManagerInstalled bool
	// Policy holds the security rules' settings, shared with the admission webhooks.
	Policy policy.Config
}

// DefaultOptions returns the settings for a standard EKS cluster with ingress-nginx
// installed by its Helm chart.
func DefaultOptions() Options {
	return Options{
		NetworkPolicy: NetworkPolicyOptions{
			DNSNamespace:   "kube-system",
			DNSPodLabels:   map[string]string{"k8s-app": "kube-dns"},
			NginxNamespace: "ingress-nginx",
		},
		NginxConfigMap: types.NamespacedName{Namespace: "ingress-nginx", Name: "ingress-nginx-controller"},
		Policy:         policy.DefaultConfig(),
	}
}

// state carries one reconcile's object and observations between its steps.
type state struct {
	api *platformv1alpha1.LeadpoetAPI
	obs observations

	// liveSecretsHash is the secrets hash on the live pod template, kept while a
	// secret sync fails so that the pods do not roll.
	liveSecretsHash string
	// secretStatuses are the spec.secrets entries' status, nil when not synced.
	secretStatuses []platformv1alpha1.SecretSyncStatus
	// requeue is the shortest planned re-check, zero for none.
	requeue time.Duration
}

// requeueAfter plans a re-check after delay, keeping the earliest one.
func (s *state) requeueAfter(delay time.Duration) {
	if delay < time.Second {
		delay = time.Second
	}
	if s.requeue == 0 || delay < s.requeue {
		s.requeue = delay
	}
}

type step func(ctx context.Context, s *state) error

// Reconcile applies every child of one LeadpoetAPI and records what it observed in
// status with a single patch at the end.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	api := &platformv1alpha1.LeadpoetAPI{}
	if err := r.Client.Get(ctx, req.NamespacedName, api); err != nil {
		if apierrors.IsNotFound(err) {
			// Children carry owner references, so the garbage collector removes
			// them; only the in-memory secret sync state is left to drop.
			if inst, ok := r.secretState.forget(req.NamespacedName); ok && r.Secrets != nil {
				r.Secrets.Forget(inst)
			}
			return ctrl.Result{}, r.releaseNamespaceGuard(ctx, req.Namespace)
		}
		return ctrl.Result{}, err
	}
	if !api.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	original := api.DeepCopy()
	s := &state{api: api, obs: observations{generation: api.Generation}}
	defer func() {
		if patchErr := r.patchStatus(ctx, original, s); patchErr != nil {
			err = errors.Join(err, patchErr)
		}
	}()

	if message := validateForRender(api, r.Options.Policy); message != "" {
		s.obs.invalidSpec = message
		return ctrl.Result{}, reconcile.TerminalError(errors.New(message))
	}
	// The ServiceAccount comes first because secret sync requests its token, and
	// secret sync comes before the Deployment, whose pod template carries its hash.
	steps := []step{
		r.reconcileNamespaceGuard,
		r.reconcileServiceAccount,
		r.reconcileService,
		r.reconcileLiveDeployment,
		r.reconcileSecrets,
		r.reconcileDeployment,
		r.reconcileNetworkPolicy,
		r.reconcileIngress,
		r.reconcileCertificate,
	}
	var stepErrors []error
	for _, run := range steps {
		if err := run(ctx, s); err != nil {
			stepErrors = append(stepErrors, err)
		}
	}
	if s.obs.invalidSpec != "" {
		return ctrl.Result{}, reconcile.TerminalError(errors.New(s.obs.invalidSpec))
	}
	if len(stepErrors) > 0 {
		return ctrl.Result{}, errors.Join(stepErrors...)
	}
	return ctrl.Result{RequeueAfter: s.requeue}, nil
}

// recordApply turns one child's apply outcome into events and observations. An
// Invalid response from the API server means the spec renders something the server
// rejects, which only a spec change fixes, so it stalls the instance.
func (r *Reconciler) recordApply(ctx context.Context, s *state, kind string, found, wrote bool, err error) error {
	logger := log.FromContext(ctx)
	switch {
	case apierrors.IsInvalid(err):
		s.obs.invalidSpec = fmt.Sprintf("The API server rejected the %s: %v", kind, err)
		r.Recorder.Eventf(s.api, nil, corev1.EventTypeWarning, platformv1alpha1.ReasonInvalidSpec,
			"Apply", "The API server rejected the %s: %v", kind, err)
		return err
	case err != nil:
		s.obs.applyErrors = append(s.obs.applyErrors, fmt.Sprintf("applying the %s failed: %v", kind, err))
		r.Recorder.Eventf(s.api, nil, corev1.EventTypeWarning, platformv1alpha1.ReasonApplyFailed,
			"Apply", "Applying the %s failed: %v", kind, err)
		return fmt.Errorf("applying %s: %w", kind, err)
	case wrote && !found:
		logger.Info("Created child", "kind", kind)
		r.Recorder.Eventf(s.api, nil, corev1.EventTypeNormal, "Created", eventAction(kind), "Created the %s", kind)
	case wrote:
		logger.Info("Updated child to its desired state", "kind", kind)
		r.Recorder.Eventf(s.api, nil, corev1.EventTypeNormal, "Updated", eventAction(kind),
			"Updated the %s to its desired state", kind)
	default:
		logger.V(debugLevel).Info("Child already up to date", "kind", kind)
	}
	return nil
}

func (r *Reconciler) reconcileServiceAccount(ctx context.Context, s *state) error {
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, s.api.Name), &corev1.ServiceAccount{},
		buildServiceAccount(s.api), corev1acExtractServiceAccount)
	return r.recordApply(ctx, s, "ServiceAccount", found, wrote, err)
}

func (r *Reconciler) reconcileService(ctx context.Context, s *state) error {
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, s.api.Name), &corev1.Service{},
		buildService(s.api), corev1acExtractService)
	return r.recordApply(ctx, s, "Service", found, wrote, err)
}

// reconcileLiveDeployment reads the live Deployment, whose replicas and secrets hash
// the later steps keep when the spec leaves them open.
func (r *Reconciler) reconcileLiveDeployment(ctx context.Context, s *state) error {
	live := &appsv1.Deployment{}
	err := r.Client.Get(ctx, keyOf(s.api, s.api.Name), live)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return r.recordApply(ctx, s, "Deployment", false, false, err)
	}
	s.obs.deployment = live
	s.liveSecretsHash = live.Spec.Template.Annotations[AnnotationSecretsHash]
	return nil
}

func (r *Reconciler) reconcileDeployment(ctx context.Context, s *state) error {
	var liveReplicas *int32
	if s.obs.deployment != nil {
		liveReplicas = s.obs.deployment.Spec.Replicas
	}
	desired, err := buildDeployment(s.api, liveReplicas, s.obs.secretsHash)
	if err != nil {
		s.obs.invalidSpec = "Rendering the Deployment failed: " + err.Error()
		return err
	}
	s.obs.desiredReplicas = *desiredReplicas(s.api, liveReplicas)
	if s.obs.deployment != nil {
		if _, err := r.repairPodTemplate(ctx, s, s.obs.deployment, desired); err != nil {
			return r.recordApply(ctx, s, "Deployment", true, false, err)
		}
	}
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, s.api.Name), &appsv1.Deployment{},
		desired, appsv1acExtractDeployment)
	return r.recordApply(ctx, s, "Deployment", found, wrote, err)
}

func (r *Reconciler) reconcileNetworkPolicy(ctx context.Context, s *state) error {
	desired, hasPeers := buildNetworkPolicy(s.api, r.Options.NetworkPolicy)
	s.obs.hasIngressPeers = hasPeers
	if !hasPeers {
		s.obs.noPeersMessage = noPeersMessage(s.api)
	}
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, s.api.Name), &networkingv1.NetworkPolicy{},
		desired, networkingv1acExtractNetworkPolicy)
	return r.recordApply(ctx, s, "NetworkPolicy", found, wrote, err)
}

func noPeersMessage(api *platformv1alpha1.LeadpoetAPI) string {
	if api.Spec.Ingress != nil && profileOf(api.Spec.Ingress) == platformv1alpha1.IngressProfileALB {
		return "No peer may reach the pods: an ALB connects from the VPC's addresses, so set " +
			"spec.ingress.alb.sourceCIDRs or spec.networkPolicy.ingressFrom"
	}
	return "No peer may reach the pods: set spec.networkPolicy.ingressFrom"
}

func (r *Reconciler) reconcileCertificate(ctx context.Context, s *state) error {
	ingress := s.api.Spec.Ingress
	if ingress == nil || ingress.TLS == nil || ingress.TLS.IssuerRef == nil {
		return nil
	}
	s.obs.certificateConfigured = true
	if !r.Options.CertManagerInstalled {
		s.obs.certificateMessage = "The cluster does not serve cert-manager's Certificate kind; install " +
			"cert-manager or set spec.ingress.tls.secretName"
		return nil
	}
	live := &cmapi.Certificate{}
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, certificateName(s.api)), live,
		buildCertificate(s.api), cmacExtractCertificate)
	if found {
		s.obs.certificate = live
	}
	return r.recordApply(ctx, s, "Certificate", found, wrote, err)
}

// patchStatus writes the status computed from s, and only when it differs from what
// the API server holds, so the operator's own writes never start another loop.
func (r *Reconciler) patchStatus(ctx context.Context, original *platformv1alpha1.LeadpoetAPI, s *state) error {
	api := s.api
	setConditions(&api.Status, s.obs)
	if s.obs.invalidSpec != "" || len(s.obs.applyErrors) == 0 {
		api.Status.ObservedGeneration = api.Generation
	}
	api.Status.Effective = effectiveSettings(api)
	if s.secretStatuses != nil || len(api.Spec.Secrets) == 0 {
		api.Status.Secrets = s.secretStatuses
	}
	api.Status.Children = childNames(api, r.Options)
	api.Status.URL = ""
	if api.Spec.Ingress != nil && len(api.Spec.Ingress.Hosts) > 0 {
		api.Status.URL = "https://" + api.Spec.Ingress.Hosts[0] + stringOr(api.Spec.Ingress.Path, defaultPath)
	}
	available := int32(0)
	if s.obs.deployment != nil {
		available = s.obs.deployment.Status.AvailableReplicas
	}
	api.Status.ReplicaSummary = fmt.Sprintf("%d/%d", available, s.obs.desiredReplicas)

	if equality.Semantic.DeepEqual(original.Status, api.Status) {
		log.FromContext(ctx).V(debugLevel).Info("Status unchanged")
		return nil
	}
	r.recordReadyTransition(original, api)
	// An instance deleted during the reconcile has no status left to write.
	if err := r.Client.Status().Patch(ctx, api, client.MergeFrom(original)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("patching status of LeadpoetAPI %s: %w", klog.KObj(api), err)
	}
	return nil
}

func childNames(api *platformv1alpha1.LeadpoetAPI, opts Options) platformv1alpha1.ChildObjects {
	children := platformv1alpha1.ChildObjects{
		Deployment:     api.Name,
		Service:        api.Name,
		ServiceAccount: api.Name,
		NetworkPolicy:  api.Name,
	}
	if api.Spec.Ingress != nil && api.Spec.Ingress.TLS != nil {
		children.Ingress = api.Name
		if api.Spec.Ingress.TLS.IssuerRef != nil && opts.CertManagerInstalled {
			children.Certificate = certificateName(api)
		}
	}
	return children
}

func keyOf(api *platformv1alpha1.LeadpoetAPI, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: api.Namespace, Name: name}
}

// eventAction names the apply of one kind of child. events.k8s.io folds Events that
// share a reason and an action into one series, whatever their notes, so a shared
// action would hide all but the first child's Event.
func eventAction(kind string) string {
	name, _, _ := strings.Cut(kind, " ")
	return "Apply" + name
}
