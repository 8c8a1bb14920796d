package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Ingress annotations that the rules read. ingress-nginx uses the nginx.ingress.kubernetes.io
// prefix, NGINX Inc's controller the nginx.org and ingress.kubernetes.io prefixes.
const (
	annotationNginxSSLRedirect      = "nginx.ingress.kubernetes.io/ssl-redirect"
	annotationNginxForceSSLRedirect = "nginx.ingress.kubernetes.io/force-ssl-redirect"
	annotationNginxSSLCiphers       = "nginx.ingress.kubernetes.io/ssl-ciphers"
	annotationNginxOrgSSLRedirect   = "ingress.kubernetes.io/ssl-redirect"
	annotationALBSSLPolicy          = "alb.ingress.kubernetes.io/ssl-policy"
	annotationALBCertificateARN     = "alb.ingress.kubernetes.io/certificate-arn"
	annotationALBListenPorts        = "alb.ingress.kubernetes.io/listen-ports"
	annotationALBSSLRedirect        = "alb.ingress.kubernetes.io/ssl-redirect"
	annotationIngressClass          = "kubernetes.io/ingress.class"
)

// redirectAnnotations must not be false: each one, when false, lets a controller serve
// plain HTTP for hosts that have TLS.
var redirectAnnotations = []string{
	annotationNginxSSLRedirect,
	annotationNginxForceSSLRedirect,
	annotationNginxOrgSSLRedirect,
}

// ValidateIngress checks an Ingress in a guarded namespace: every host served over TLS,
// no annotation that turns off the HTTPS redirect, weakens ciphers or TLS versions, and
// no configuration snippet.
func ValidateIngress(ingress *networkingv1.Ingress, cfg Config) (field.ErrorList, []string) {
	var result findings
	result.add(validateIngressAnnotations(ingress.Annotations,
		field.NewPath("metadata", "annotations")), nil)
	result.add(validateIngressHosts(ingress, cfg, field.NewPath("spec")))
	return result.result()
}

// ValidateIngressUpdate checks an update as a create, unless the spec and the
// annotations are unchanged.
func ValidateIngressUpdate(old, updated *networkingv1.Ingress, cfg Config) (field.ErrorList, []string) {
	if equality.Semantic.DeepEqual(old.Spec, updated.Spec) &&
		equality.Semantic.DeepEqual(old.Annotations, updated.Annotations) {
		return nil, nil
	}
	return ValidateIngress(updated, cfg)
}

func validateIngressAnnotations(annotations map[string]string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	// Sorted keys give the same error order on every call.
	keys := make([]string, 0, len(annotations))
	for key := range annotations {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		value := annotations[key]
		keyPath := path.Key(key)
		switch {
		case isSnippetAnnotation(key):
			// The value is left out: snippets often hold credentials for auth or
			// upstream headers.
			errs = append(errs, field.Forbidden(keyPath, "snippet annotations inject raw "+
				"controller configuration, which can read other tenants' Secrets or turn off "+
				"TLS; remove it and use the controller's dedicated annotations"))
		case slices.Contains(redirectAnnotations, key):
			if enabled, err := strconv.ParseBool(value); err != nil || !enabled {
				errs = append(errs, field.Invalid(keyPath, value,
					`plain HTTP must redirect to HTTPS; set it to "true" or remove it`))
			}
		case key == annotationNginxSSLCiphers:
			errs = append(errs, validateCipherString(value, keyPath)...)
		case key == annotationALBSSLPolicy:
			if !IsTLS13OnlyALBPolicy(value) {
				errs = append(errs, field.Invalid(keyPath, value,
					"accepts TLS versions below 1.3; use one of "+albPolicyList()))
			}
		}
	}
	return errs
}

// isSnippetAnnotation reports whether key names a configuration snippet. The check
// ignores the prefix, because ingress-nginx can be started with a custom annotation
// prefix, and accepts the plural that NGINX Inc's controller uses (server-snippets).
func isSnippetAnnotation(key string) bool {
	name := strings.ToLower(key[strings.LastIndex(key, "/")+1:])
	return strings.HasSuffix(name, "snippet") || strings.HasSuffix(name, "snippets")
}

// validateCipherString checks an OpenSSL cipher list, whose entries are separated by
// colons (commas and spaces are also accepted by OpenSSL).
func validateCipherString(value string, path *field.Path) field.ErrorList {
	entries := strings.FieldsFunc(value, func(r rune) bool {
		return r == ':' || r == ',' || r == ' '
	})
	if len(entries) == 0 {
		return field.ErrorList{field.Invalid(path, value,
			"must list cipher suites; use entries from "+cipherList()+" or remove it")}
	}
	for _, entry := range entries {
		if !IsModernCipher(entry) {
			return field.ErrorList{field.Invalid(path, value, fmt.Sprintf(
				"%q is not an ECDHE AEAD cipher suite; list only entries from %s, or remove "+
					"the annotation", entry, cipherList()))}
		}
	}
	return nil
}

func validateIngressHosts(ingress *networkingv1.Ingress, cfg Config,
	specPath *field.Path) (field.ErrorList, []string) {
	var result findings
	if ingress.Spec.DefaultBackend != nil {
		result.warnings = append(result.warnings,
			fmt.Sprintf(WarningDefaultBackend, specPath.Child("defaultBackend")))
	}
	var tlsHosts []string
	for _, tls := range ingress.Spec.TLS {
		tlsHosts = append(tlsHosts, tls.Hosts...)
	}
	certificateForAll := isALBIngress(ingress, cfg) && ingress.Annotations[annotationALBCertificateARN] != ""
	if certificateForAll {
		result.add(validateALBListeners(ingress.Annotations,
			field.NewPath("metadata", "annotations")), nil)
	}
	for i, rule := range ingress.Spec.Rules {
		hostPath := specPath.Child("rules").Index(i).Child("host")
		switch {
		case rule.Host == "":
			result.errs = append(result.errs, field.Required(hostPath, "a rule without a host "+
				"serves every host name, which no TLS entry can cover; set the host"))
		case certificateForAll:
			// The ALB serves the annotation's certificate on the HTTPS listener for every
			// rule; the operator cannot read which names the ACM certificate covers.
		case !hostCovered(rule.Host, tlsHosts):
			result.errs = append(result.errs, field.Invalid(hostPath, rule.Host,
				"the host is served without TLS; add it to the hosts of an entry in spec.tls"))
		}
	}
	return result.result()
}

// hostCovered reports whether a TLS host list covers host. A wildcard TLS host covers
// exactly one extra label, as in certificate matching.
func hostCovered(host string, tlsHosts []string) bool {
	host = strings.ToLower(host)
	for _, tlsHost := range tlsHosts {
		tlsHost = strings.ToLower(tlsHost)
		if tlsHost == host {
			return true
		}
		suffix, isWildcard := strings.CutPrefix(tlsHost, "*.")
		if !isWildcard || strings.HasPrefix(host, "*.") {
			continue
		}
		label, rest, found := strings.Cut(host, ".")
		if found && label != "" && rest == suffix {
			return true
		}
	}
	return false
}

func isALBIngress(ingress *networkingv1.Ingress, cfg Config) bool {
	className := ingress.Annotations[annotationIngressClass]
	if ingress.Spec.IngressClassName != nil {
		className = *ingress.Spec.IngressClassName
	}
	return slices.Contains(cfg.ALBIngressClassNames, className)
}

// validateALBListeners rejects an ALB Ingress that listens on plain HTTP without
// redirecting it. listen-ports is a JSON list such as [{"HTTP":80},{"HTTPS":443}].
func validateALBListeners(annotations map[string]string, path *field.Path) field.ErrorList {
	raw, found := annotations[annotationALBListenPorts]
	if !found {
		return nil
	}
	var listeners []map[string]int32
	if err := json.Unmarshal([]byte(raw), &listeners); err != nil {
		return field.ErrorList{field.Invalid(path.Key(annotationALBListenPorts), raw,
			`must be a JSON list such as [{"HTTPS":443}]`)}
	}
	for _, listener := range listeners {
		if _, plain := listener["HTTP"]; plain && annotations[annotationALBSSLRedirect] == "" {
			return field.ErrorList{field.Invalid(path.Key(annotationALBListenPorts), raw,
				"an HTTP listener without "+annotationALBSSLRedirect+" serves plain HTTP; set "+
					annotationALBSSLRedirect+` to "443" or remove the HTTP listener`)}
		}
	}
	return nil
}
