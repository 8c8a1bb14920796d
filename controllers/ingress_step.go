package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/ingressprofile"
)

// reconcileIngress applies the Ingress for the spec's profile, and for nginx the
// ConfigMap of response headers, then records what the profile cannot enforce.
func (r *Reconciler) reconcileIngress(ctx context.Context, s *state) error {
	spec := s.api.Spec.Ingress
	if spec == nil {
		return nil
	}
	s.obs.ingressConfigured = true
	profile, err := ingressprofile.For(profileOf(spec))
	if err != nil {
		s.obs.invalidSpec = "spec.ingress.profile: " + err.Error()
		return err
	}
	if err := r.checkIngressClass(ctx, s, profile); err != nil {
		return err
	}
	config, err := r.controllerConfig(ctx, profileOf(spec))
	if err != nil {
		s.obs.applyErrors = append(s.obs.applyErrors, err.Error())
		return err
	}

	settings := ingressSettings(s.api)
	rendering := profile.Render(settings, config)
	s.obs.findings = rendering.Findings
	if rendering.Headers != nil {
		found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, securityHeadersName(s.api)),
			&corev1.ConfigMap{}, buildHeadersConfigMap(s.api, rendering.Headers), corev1acExtractConfigMap)
		if err := r.recordApply(ctx, s, "ConfigMap of response headers", found, wrote, err); err != nil {
			return err
		}
	}
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, s.api.Name), &networkingv1.Ingress{},
		buildIngress(s.api, settings, rendering), networkingv1acExtractIngress)
	return r.recordApply(ctx, s, "Ingress", found, wrote, err)
}

// checkIngressClass reports an IngressClass that is missing or belongs to another
// controller. The Ingress is still applied, so it starts working once the class is
// fixed, but Ready stays False until then.
func (r *Reconciler) checkIngressClass(ctx context.Context, s *state, profile ingressprofile.Profile) error {
	name := ingressClassName(s.api.Spec.Ingress)
	class := &networkingv1.IngressClass{}
	err := r.Client.Get(ctx, types.NamespacedName{Name: name}, class)
	switch {
	case apierrors.IsNotFound(err):
		s.obs.ingressClassReason = platformv1alpha1.ReasonIngressClassNotFound
		s.obs.ingressClassMessage = fmt.Sprintf("IngressClass %q not found: install the %s ingress "+
			"controller or set spec.ingress.className to one of its classes", name, profileOf(s.api.Spec.Ingress))
	case err != nil:
		s.obs.applyErrors = append(s.obs.applyErrors, fmt.Sprintf("reading IngressClass %q failed: %v", name, err))
		return err
	case class.Spec.Controller != profile.ControllerName():
		s.obs.ingressClassReason = platformv1alpha1.ReasonIngressClassMismatch
		s.obs.ingressClassMessage = fmt.Sprintf("IngressClass %q belongs to controller %q, but profile %s "+
			"needs %q: set spec.ingress.profile or spec.ingress.className to match", name,
			class.Spec.Controller, profileOf(s.api.Spec.Ingress), profile.ControllerName())
	}
	return nil
}

// controllerConfig reads the cluster-wide configuration that the profile reports on.
func (r *Reconciler) controllerConfig(ctx context.Context,
	profile platformv1alpha1.IngressProfile) (ingressprofile.ControllerConfig, error) {
	key := r.Options.NginxConfigMap
	config := ingressprofile.ControllerConfig{Namespace: key.Namespace, Name: key.Name}
	if profile != platformv1alpha1.IngressProfileNginx || r.NginxConfig == nil {
		return config, nil
	}
	configMap := &corev1.ConfigMap{}
	err := r.NginxConfig.Get(ctx, key, configMap)
	switch {
	case apierrors.IsNotFound(err):
		return config, nil
	case err != nil:
		return config, fmt.Errorf("reading ingress-nginx ConfigMap %s failed: %w", key, err)
	}
	config.Found = true
	config.Data = configMap.Data
	return config, nil
}
