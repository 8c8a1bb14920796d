package controllers

import (
	"context"
	"fmt"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=platform.leadpoet.io,resources=leadpoetapis,verbs=get;list;watch
// +kubebuilder:rbac:groups=platform.leadpoet.io,resources=leadpoetapis/status,verbs=get;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=services;serviceaccounts;configmaps,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses;networkpolicies,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ManagedSelector selects the objects the operator manages. The manager's cache holds
// only those, so a large cluster's other Deployments, ConfigMaps and, above all,
// Secrets never enter the operator's memory.
func ManagedSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelManagedBy: ManagedByValue})
}

// CacheOptions returns cache options that scope every child kind to ManagedSelector.
// LeadpoetAPIs and IngressClasses are cached whole: the first are the operator's own
// and the second are a handful of cluster-scoped objects.
func CacheOptions() cache.Options {
	managed := cache.ByObject{Label: ManagedSelector()}
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}:          managed,
			&corev1.Service{}:             managed,
			&corev1.ServiceAccount{}:      managed,
			&corev1.ConfigMap{}:           managed,
			&corev1.Secret{}:              managed,
			&networkingv1.Ingress{}:       managed,
			&networkingv1.NetworkPolicy{}: managed,
			&cmapi.Certificate{}:          managed,
		},
	}
}

// ServesCertificates reports whether the API server serves cert-manager's Certificate
// kind, through the manager's REST mapper.
func ServesCertificates(mapper meta.RESTMapper) (bool, error) {
	_, err := mapper.RESTMapping(cmapi.SchemeGroupVersion.WithKind(cmapi.CertificateKind).GroupKind(),
		cmapi.SchemeGroupVersion.Version)
	switch {
	case meta.IsNoMatchError(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up cert-manager's Certificate kind: %w", err)
	}
	return true, nil
}

// SetupWithManager registers the LeadpoetAPI controller with mgr. It starts a second,
// tiny cache for the ingress-nginx ConfigMap, because that ConfigMap is not the
// operator's and so falls outside the main cache's label selector.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("leadpoet-operator")
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}

	b := ctrl.NewControllerManagedBy(mgr).
		Named("leadpoetapi").
		// Status writes change neither the generation nor the annotations, so the
		// operator's own status patches never start another loop. Annotations count
		// because AnnotationRefreshSecrets requests a sync.
		For(&platformv1alpha1.LeadpoetAPI{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ServiceAccount{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.Secret{}).
		Owns(&networkingv1.Ingress{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Watches(&networkingv1.IngressClass{}, handler.EnqueueRequestsFromMapFunc(r.instancesUsingClass)).
		// A namespace that loses its guarded label leaves the webhooks blind there, so
		// a label change sends its instances back through reconcile, which restores it.
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.instancesInNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{}))
	if r.Options.CertManagerInstalled {
		b = b.Owns(&cmapi.Certificate{})
	}

	if r.NginxConfig == nil {
		nginxCache, err := newNginxConfigCache(mgr.GetConfig(), mgr.GetScheme(), r.Options.NginxConfigMap)
		if err != nil {
			return err
		}
		if err := mgr.Add(nginxCache); err != nil {
			return fmt.Errorf("adding the ingress-nginx ConfigMap cache: %w", err)
		}
		r.NginxConfig = nginxCache
		b = b.WatchesRawSource(source.Kind(nginxCache, &corev1.ConfigMap{},
			handler.TypedEnqueueRequestsFromMapFunc(r.nginxInstances)))
	}
	return b.Complete(r)
}

// newNginxConfigCache returns a cache that holds the one ConfigMap at key.
func newNginxConfigCache(config *rest.Config, scheme *runtime.Scheme, key types.NamespacedName) (cache.Cache, error) {
	nginxCache, err := cache.New(config, cache.Options{
		Scheme:            scheme,
		DefaultNamespaces: map[string]cache.Config{key.Namespace: {}},
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Field: fields.OneTermEqualSelector("metadata.name", key.Name)},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the ingress-nginx ConfigMap cache: %w", err)
	}
	return nginxCache, nil
}

func (r *Reconciler) instancesUsingClass(ctx context.Context, class client.Object) []reconcile.Request {
	return r.instancesMatching(ctx, func(api *platformv1alpha1.LeadpoetAPI) bool {
		return api.Spec.Ingress != nil && ingressClassName(api.Spec.Ingress) == class.GetName()
	})
}

func (r *Reconciler) instancesInNamespace(ctx context.Context, namespace client.Object) []reconcile.Request {
	return r.instancesMatching(ctx, func(api *platformv1alpha1.LeadpoetAPI) bool {
		return api.Namespace == namespace.GetName()
	})
}

func (r *Reconciler) nginxInstances(ctx context.Context, _ *corev1.ConfigMap) []reconcile.Request {
	return r.instancesMatching(ctx, func(api *platformv1alpha1.LeadpoetAPI) bool {
		return api.Spec.Ingress != nil && profileOf(api.Spec.Ingress) == platformv1alpha1.IngressProfileNginx
	})
}

func (r *Reconciler) instancesMatching(ctx context.Context,
	match func(*platformv1alpha1.LeadpoetAPI) bool) []reconcile.Request {
	var list platformv1alpha1.LeadpoetAPIList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing LeadpoetAPIs to requeue failed")
		return nil
	}
	var requests []reconcile.Request
	for i := range list.Items {
		if match(&list.Items[i]) {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return requests
}
