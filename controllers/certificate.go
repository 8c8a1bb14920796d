package controllers

import (
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmac "github.com/cert-manager/cert-manager/pkg/client/applyconfigurations/certmanager/v1"
	cmmetaac "github.com/cert-manager/cert-manager/pkg/client/applyconfigurations/meta/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

func certificateName(api *platformv1alpha1.LeadpoetAPI) string {
	return api.Name + "-tls"
}

func certificateSecretName(api *platformv1alpha1.LeadpoetAPI) string {
	return api.Name + "-tls"
}

// buildCertificate renders a cert-manager Certificate for the hosts, with an ECDSA P-256
// key that is replaced on every renewal.
func buildCertificate(api *platformv1alpha1.LeadpoetAPI) *cmac.CertificateApplyConfiguration {
	issuer := api.Spec.Ingress.TLS.IssuerRef
	return cmac.Certificate(certificateName(api), api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		WithSpec(cmac.CertificateSpec().
			WithSecretName(certificateSecretName(api)).
			WithDNSNames(api.Spec.Ingress.Hosts...).
			WithPrivateKey(cmac.CertificatePrivateKey().
				WithAlgorithm(cmapi.ECDSAKeyAlgorithm).
				WithSize(256).
				WithRotationPolicy(cmapi.RotationPolicyAlways)).
			WithIssuerRef(cmmetaac.IssuerReference().
				WithName(issuer.Name).
				WithKind(stringOr(issuer.Kind, cmapi.IssuerKind)).
				WithGroup("cert-manager.io")))
}
