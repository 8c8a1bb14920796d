package controllers

import (
	networkingv1 "k8s.io/api/networking/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/ingressprofile"
)

// buildIngress renders the Ingress from the profile's rendering. Every host is listed
// under spec.tls, which is where controllers look for the hosts to serve over HTTPS.
func buildIngress(api *platformv1alpha1.LeadpoetAPI, settings ingressprofile.Settings,
	rendering ingressprofile.Rendering) *networkingv1ac.IngressApplyConfiguration {
	spec := networkingv1ac.IngressSpec().WithIngressClassName(ingressClassName(api.Spec.Ingress))
	tls := networkingv1ac.IngressTLS().WithHosts(settings.Hosts...)
	if rendering.ServeTLSSecret && settings.TLSSecretName != "" {
		tls.WithSecretName(settings.TLSSecretName)
	}
	spec.WithTLS(tls)

	pathType := networkingv1.PathTypePrefix
	for _, host := range settings.Hosts {
		spec.WithRules(networkingv1ac.IngressRule().
			WithHost(host).
			WithHTTP(networkingv1ac.HTTPIngressRuleValue().
				WithPaths(networkingv1ac.HTTPIngressPath().
					WithPath(settings.Path).
					WithPathType(pathType).
					WithBackend(networkingv1ac.IngressBackend().
						WithService(networkingv1ac.IngressServiceBackend().
							WithName(settings.ServiceName).
							WithPort(networkingv1ac.ServiceBackendPort().
								WithNumber(settings.ServicePort)))))))
	}

	return networkingv1ac.Ingress(api.Name, api.Namespace).
		WithLabels(childLabels(api)).
		WithAnnotations(rendering.Annotations).
		WithOwnerReferences(ownerReference(api)).
		WithSpec(spec)
}

func securityHeadersName(api *platformv1alpha1.LeadpoetAPI) string {
	return api.Name + "-security-headers"
}

// buildHeadersConfigMap renders the response headers that ingress-nginx reads through
// the custom-headers annotation.
func buildHeadersConfigMap(api *platformv1alpha1.LeadpoetAPI,
	headers map[string]string) *corev1ac.ConfigMapApplyConfiguration {
	return corev1ac.ConfigMap(securityHeadersName(api), api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		WithData(headers)
}
