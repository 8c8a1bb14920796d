package controllers

import (
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmac "github.com/cert-manager/cert-manager/pkg/client/applyconfigurations/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
)

// The generated Extract functions return concrete pointer types; these adapters give
// applyIfChanged one signature per kind.
var (
	appsv1acExtractDeployment = func(live *appsv1.Deployment, manager string) (*appsv1ac.DeploymentApplyConfiguration, error) {
		return appsv1ac.ExtractDeployment(live, manager)
	}
	corev1acExtractService = func(live *corev1.Service, manager string) (*corev1ac.ServiceApplyConfiguration, error) {
		return corev1ac.ExtractService(live, manager)
	}
	corev1acExtractServiceAccount = func(live *corev1.ServiceAccount, manager string) (*corev1ac.ServiceAccountApplyConfiguration, error) {
		return corev1ac.ExtractServiceAccount(live, manager)
	}
	corev1acExtractNamespace = func(live *corev1.Namespace, manager string) (*corev1ac.NamespaceApplyConfiguration, error) {
		return corev1ac.ExtractNamespace(live, manager)
	}
	corev1acExtractSecret = func(live *corev1.Secret, manager string) (*corev1ac.SecretApplyConfiguration, error) {
		return corev1ac.ExtractSecret(live, manager)
	}
	corev1acExtractConfigMap = func(live *corev1.ConfigMap, manager string) (*corev1ac.ConfigMapApplyConfiguration, error) {
		return corev1ac.ExtractConfigMap(live, manager)
	}
	networkingv1acExtractNetworkPolicy = func(live *networkingv1.NetworkPolicy, manager string) (*networkingv1ac.NetworkPolicyApplyConfiguration, error) {
		return networkingv1ac.ExtractNetworkPolicy(live, manager)
	}
	networkingv1acExtractIngress = func(live *networkingv1.Ingress, manager string) (*networkingv1ac.IngressApplyConfiguration, error) {
		return networkingv1ac.ExtractIngress(live, manager)
	}
	cmacExtractCertificate = func(live *cmapi.Certificate, manager string) (*cmac.CertificateApplyConfiguration, error) {
		return cmac.ExtractCertificate(live, manager)
	}
)
