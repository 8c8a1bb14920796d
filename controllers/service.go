package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// servicePort is the Service's port. The Ingress targets it, and it maps to the
// container's named port, so a new containerPort never touches the Ingress.
const servicePort int32 = 80

func buildService(api *platformv1alpha1.LeadpoetAPI) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(api.Name, api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(selectorLabels(api)).
			WithPorts(corev1ac.ServicePort().
				WithName(portName).
				WithPort(servicePort).
				WithTargetPort(intstr.FromString(portName)).
				WithProtocol(corev1.ProtocolTCP)))
}
