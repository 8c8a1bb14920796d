package policy

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// ValidateLeadpoetAPI checks a LeadpoetAPI against the security rules that hold for
// every instance: TLS 1.3 and HSTS on the ingress, no open or metadata-reaching network
// peers, bounded egress port ranges and an IAM role in an allowed account. The
// controller calls it too, on the spec it renders from.
func ValidateLeadpoetAPI(api *platformv1alpha1.LeadpoetAPI, cfg Config) (field.ErrorList, []string) {
	specPath := field.NewPath("spec")
	var result findings
	result.add(ValidateIngressSpec(api.Spec.Ingress, specPath.Child("ingress")))
	result.add(ValidateNetworkPolicySpec(&api.Spec.NetworkPolicy, cfg,
		specPath.Child("networkPolicy")))
	result.add(ValidateServiceAccountSpec(&api.Spec.ServiceAccount, cfg,
		specPath.Child("serviceAccount")))
	if token := api.Spec.Workload.AutomountServiceAccountToken; token != nil && *token {
		path := specPath.Child("workload", "automountServiceAccountToken")
		result.warnings = append(result.warnings, fmt.Sprintf(WarningAutomountToken, path))
	}
	return result.result()
}

// ValidateIngressSpec checks the TLS, redirect, HSTS and ALB settings of an instance's
// ingress. A nil spec means no Ingress and passes.
func ValidateIngressSpec(spec *platformv1alpha1.IngressSpec, path *field.Path) (field.ErrorList, []string) {
	if spec == nil {
		return nil, nil
	}
	var result findings
	if spec.TLS == nil {
		result.errs = append(result.errs, field.Required(path.Child("tls"),
			"an ingress must serve TLS; set issuerRef, secretName or certificateARN"))
	} else {
		result.add(validateTLSSpec(spec.TLS, path.Child("tls")), nil)
	}
	if spec.HTTPSRedirect != nil && !*spec.HTTPSRedirect {
		result.errs = append(result.errs, field.Invalid(path.Child("httpsRedirect"), false,
			"plain HTTP must redirect to HTTPS; set httpsRedirect to true or remove it"))
	}
	if spec.HSTS != nil {
		result.add(validateHSTS(spec.HSTS, path.Child("hsts")))
	}
	if spec.ALB != nil {
		result.add(validateALB(spec.ALB, path.Child("alb")))
	}
	return result.result()
}

func validateTLSSpec(tls *platformv1alpha1.TLSSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if tls.MinVersion != "" && tls.MinVersion != platformv1alpha1.TLSVersion13 {
		errs = append(errs, field.Invalid(path.Child("minVersion"), string(tls.MinVersion),
			`TLS versions below 1.3 are not allowed; set minVersion to "1.3" or remove it`))
	}
	for i, cipher := range tls.Ciphers {
		if !IsModernCipher(cipher) {
			errs = append(errs, field.Invalid(path.Child("ciphers").Index(i), cipher,
				"is not an ECDHE AEAD cipher suite; use one of "+cipherList()))
		}
	}
	return errs
}

func validateHSTS(hsts *platformv1alpha1.HSTSSpec, path *field.Path) (field.ErrorList, []string) {
	var result findings
	if hsts.MaxAgeSeconds != nil && *hsts.MaxAgeSeconds < MinHSTSMaxAgeSeconds {
		result.errs = append(result.errs, field.Invalid(path.Child("maxAgeSeconds"),
			*hsts.MaxAgeSeconds, fmt.Sprintf("HSTS max age must be at least %d (one year); "+
				"raise it or remove it", MinHSTSMaxAgeSeconds)))
	}
	if hsts.IncludeSubDomains != nil && !*hsts.IncludeSubDomains {
		result.warnings = append(result.warnings,
			fmt.Sprintf(WarningHSTSSubDomains, path.Child("includeSubDomains")))
	}
	if hsts.Preload != nil && !*hsts.Preload {
		result.warnings = append(result.warnings,
			fmt.Sprintf(WarningHSTSPreload, path.Child("preload")))
	}
	return result.result()
}

func validateALB(alb *platformv1alpha1.ALBSpec, path *field.Path) (field.ErrorList, []string) {
	var result findings
	if alb.SSLPolicy != "" && !IsTLS13OnlyALBPolicy(alb.SSLPolicy) {
		result.errs = append(result.errs, field.Invalid(path.Child("sslPolicy"), alb.SSLPolicy,
			"accepts TLS versions below 1.3; use one of "+albPolicyList()+" or remove it"))
	}
	if alb.Scheme == schemeInternetFacing {
		result.warnings = append(result.warnings,
			fmt.Sprintf(WarningInternetFacing, path.Child("scheme")))
		if alb.WAFACLARN == "" {
			result.warnings = append(result.warnings,
				fmt.Sprintf(WarningNoWAF, path.Child("scheme"), path.Child("wafACLARN")))
		}
	}
	for i, cidr := range alb.SourceCIDRs {
		result.add(validateCIDR(cidr, nil, source, path.Child("sourceCIDRs").Index(i), nil))
	}
	return result.result()
}

// ValidateNetworkPolicySpec checks an instance's ingress peers and egress rules.
func ValidateNetworkPolicySpec(spec *platformv1alpha1.NetworkPolicySpec, cfg Config,
	path *field.Path) (field.ErrorList, []string) {
	var result findings
	for i := range spec.IngressFrom {
		result.add(validatePeer(&spec.IngressFrom[i], source, path.Child("ingressFrom").Index(i)))
	}
	for i := range spec.Egress {
		result.add(validateEgressRule(&spec.Egress[i], cfg, path.Child("egress").Index(i)))
	}
	return result.result()
}

func validateEgressRule(rule *platformv1alpha1.EgressRule, cfg Config,
	path *field.Path) (field.ErrorList, []string) {
	var result findings
	if len(rule.To) == 0 {
		result.errs = append(result.errs, field.Required(path.Child("to"),
			"a rule without destinations allows every address; list the destinations"))
	}
	for j := range rule.To {
		result.add(validatePeer(&rule.To[j], destination, path.Child("to").Index(j)))
	}
	if len(rule.Ports) == 0 {
		result.errs = append(result.errs, field.Required(path.Child("ports"),
			"a rule without ports allows every port; list the destination ports"))
	}
	for k := range rule.Ports {
		result.add(validateEgressPort(&rule.Ports[k], cfg, path.Child("ports").Index(k)), nil)
	}
	return result.result()
}

func validatePeer(peer *platformv1alpha1.NetworkPeer, direction cidrDirection,
	path *field.Path) (field.ErrorList, []string) {
	if peer.CIDR == "" && peer.NamespaceSelector == nil && peer.PodSelector == nil {
		return field.ErrorList{field.Required(path,
			"an empty peer matches every address; set cidr, namespaceSelector or podSelector")}, nil
	}
	var result findings
	if peer.CIDR != "" {
		if peer.NamespaceSelector != nil || peer.PodSelector != nil {
			result.errs = append(result.errs, field.Invalid(path.Child("cidr"), peer.CIDR,
				"cidr cannot be combined with selectors; put the range and the selectors in separate peers"))
		}
		result.add(validateCIDR(peer.CIDR, nil, direction, path.Child("cidr"), nil))
	}
	if isEmptySelector(peer.NamespaceSelector) {
		result.errs = append(result.errs, field.Invalid(path.Child("namespaceSelector"), "{}",
			"an empty namespaceSelector selects every namespace; select the namespaces by label"))
	}
	return result.result()
}

func validateEgressPort(port *platformv1alpha1.EgressPort, cfg Config, path *field.Path) field.ErrorList {
	if port.Port < 1 || port.Port > maxPort {
		return field.ErrorList{field.Invalid(path.Child("port"), port.Port,
			"must be a port number from 1 to 65535")}
	}
	if port.EndPort == nil {
		return nil
	}
	end := *port.EndPort
	if end < port.Port || end > maxPort {
		return field.ErrorList{field.Invalid(path.Child("endPort"), end, fmt.Sprintf(
			"must be from port (%d) to 65535", port.Port))}
	}
	if width := end - port.Port + 1; width > cfg.maxEgressPortRange() {
		return field.ErrorList{field.Invalid(path.Child("endPort"), end, fmt.Sprintf(
			"the range %d-%d spans %d ports, more than the operator's maximum of %d; list the "+
				"ports the pods need in separate entries", port.Port, end, width,
			cfg.maxEgressPortRange()))}
	}
	return nil
}

// ValidateServiceAccountSpec checks the IAM role an instance assumes.
func ValidateServiceAccountSpec(spec *platformv1alpha1.ServiceAccountSpec, cfg Config,
	path *field.Path) (field.ErrorList, []string) {
	if spec.RoleARN == "" {
		return nil, nil
	}
	return ValidateRoleARN(spec.RoleARN, cfg, path.Child("roleARN")), nil
}
