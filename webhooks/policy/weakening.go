package policy

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// maxReasonInWarning caps how much of a weaken reason a warning repeats.
const maxReasonInWarning = 200

// Weakening is one setting that an update makes less strict.
type Weakening struct {
	// Path is the field that changed.
	Path *field.Path
	// Change describes what the update does, such as "lowers maxAgeSeconds from 63072000 to
	// 31536000".
	Change string
}

// ValidateLeadpoetAPIUpdate checks an update. The new object must pass
// ValidateLeadpoetAPI, and every setting the update weakens needs a new reason in the
// AnnotationWeakenReason annotation. With a reason, the weakening is allowed and
// returned as a warning.
//
// An update that leaves the spec unchanged passes without checks, so that metadata
// writes (labels, finalizers, owner references) still work on an object stored before
// a rule became stricter. The controller reports such an object through its conditions.
func ValidateLeadpoetAPIUpdate(old, updated *platformv1alpha1.LeadpoetAPI,
	cfg Config) (field.ErrorList, []string) {
	if equality.Semantic.DeepEqual(old.Spec, updated.Spec) {
		return nil, nil
	}
	errs, warnings := ValidateLeadpoetAPI(updated, cfg)
	weakenings := FindWeakenings(old, updated)
	if len(weakenings) == 0 {
		return errs, warnings
	}
	reason, problem := WeakenReason(old, updated)
	for _, weakening := range weakenings {
		if problem != "" {
			errs = append(errs, field.Forbidden(weakening.Path, weakening.Change+"; "+problem))
			continue
		}
		warnings = append(warnings, fmt.Sprintf(WarningWeakening, weakening.Path,
			weakening.Change, AnnotationWeakenReason, truncate(reason, maxReasonInWarning)))
	}
	return errs, warnings
}

// WeakenReason returns the reason that updated gives for weakening settings. When there
// is no usable reason it returns a non-empty problem that explains how to give one. A reason
// unchanged from old does not count, so that each weakening gets its own explanation.
func WeakenReason(old, updated *platformv1alpha1.LeadpoetAPI) (reason, problem string) {
	reason = strings.TrimSpace(updated.Annotations[AnnotationWeakenReason])
	switch {
	case reason == "":
		return "", fmt.Sprintf("weakening a security setting needs a reason: set the "+
			"annotation %s to why this change is needed, in the same update",
			AnnotationWeakenReason)
	case reason == strings.TrimSpace(old.Annotations[AnnotationWeakenReason]):
		return "", fmt.Sprintf("the annotation %s still holds the reason of an earlier "+
			"change; replace it with why this change is needed, in the same update",
			AnnotationWeakenReason)
	}
	return reason, ""
}

// FindWeakenings lists the settings that updated makes less strict than old, comparing
// effective values (unset fields count as their documented defaults).
func FindWeakenings(old, updated *platformv1alpha1.LeadpoetAPI) []Weakening {
	specPath := field.NewPath("spec")
	var weakenings []Weakening
	if old.Spec.Ingress != nil && updated.Spec.Ingress != nil {
		weakenings = append(weakenings, ingressWeakenings(old.Spec.Ingress, updated.Spec.Ingress,
			specPath.Child("ingress"))...)
	}
	weakenings = append(weakenings, networkWeakenings(&old.Spec.NetworkPolicy,
		&updated.Spec.NetworkPolicy, specPath.Child("networkPolicy"))...)

	oldToken := boolOr(old.Spec.Workload.AutomountServiceAccountToken, defaultAutomountToken)
	newToken := boolOr(updated.Spec.Workload.AutomountServiceAccountToken, defaultAutomountToken)
	if !oldToken && newToken {
		weakenings = append(weakenings, Weakening{
			Path:   specPath.Child("workload", "automountServiceAccountToken"),
			Change: "mounts a Kubernetes API token into the pods",
		})
	}
	return weakenings
}

func ingressWeakenings(old, updated *platformv1alpha1.IngressSpec, path *field.Path) []Weakening {
	var weakenings []Weakening
	add := func(path *field.Path, format string, args ...any) {
		weakenings = append(weakenings, Weakening{Path: path, Change: fmt.Sprintf(format, args...)})
	}

	if oldVersion, newVersion := effectiveMinTLSVersion(old), effectiveMinTLSVersion(updated); newVersion < oldVersion {
		add(path.Child("tls", "minVersion"), "lowers minVersion from %s to %s", oldVersion, newVersion)
	}
	if boolOr(old.HTTPSRedirect, defaultHTTPSRedirect) && !boolOr(updated.HTTPSRedirect, defaultHTTPSRedirect) {
		add(path.Child("httpsRedirect"), "stops redirecting plain HTTP to HTTPS")
	}

	oldAge, oldSub, oldPreload := effectiveHSTS(old)
	newAge, newSub, newPreload := effectiveHSTS(updated)
	hstsPath := path.Child("hsts")
	if newAge < oldAge {
		add(hstsPath.Child("maxAgeSeconds"), "lowers maxAgeSeconds from %d to %d", oldAge, newAge)
	}
	if oldSub && !newSub {
		add(hstsPath.Child("includeSubDomains"), "drops includeSubDomains")
	}
	if oldPreload && !newPreload {
		add(hstsPath.Child("preload"), "drops preload")
	}

	if effectiveALBScheme(old) != schemeInternetFacing && effectiveALBScheme(updated) == schemeInternetFacing {
		add(path.Child("alb", "scheme"), "moves the load balancer from internal to internet-facing")
	}
	if old.ALB != nil && old.ALB.WAFACLARN != "" && (updated.ALB == nil || updated.ALB.WAFACLARN == "") {
		add(path.Child("alb", "wafACLARN"), "detaches the WAF web ACL %s", old.ALB.WAFACLARN)
	}
	if old.ALB != nil && updated.ALB != nil && len(old.ALB.SourceCIDRs) > 0 {
		weakenings = append(weakenings, sourceCIDRWeakenings(old.ALB.SourceCIDRs,
			updated.ALB.SourceCIDRs, path.Child("alb", "sourceCIDRs"))...)
	}

	if oldLimit, newLimit := effectiveRateLimit(old), effectiveRateLimit(updated); newLimit > oldLimit {
		add(path.Child("rateLimitPerMinute"), "raises rateLimitPerMinute from %d to %d", oldLimit, newLimit)
	}
	oldBody, newBody := effectiveMaxRequestBodySize(old), effectiveMaxRequestBodySize(updated)
	if newBody.Cmp(oldBody) > 0 {
		add(path.Child("maxRequestBodySize"), "raises maxRequestBodySize from %s to %s",
			oldBody.String(), newBody.String())
	}
	if effectiveFrameOptions(old) == platformv1alpha1.FrameOptionsDeny &&
		effectiveFrameOptions(updated) != platformv1alpha1.FrameOptionsDeny {
		add(path.Child("frameOptions"), "allows framing by %s", effectiveFrameOptions(updated))
	}
	return weakenings
}

func sourceCIDRWeakenings(old, updated []string, path *field.Path) []Weakening {
	var weakenings []Weakening
	for i, cidr := range updated {
		if !cidrCoveredByAny(cidr, old) {
			weakenings = append(weakenings, Weakening{Path: path.Index(i),
				Change: fmt.Sprintf("admits %s, which the previous sourceCIDRs did not", cidr)})
		}
	}
	return weakenings
}

func truncate(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	return text[:limit] + "…"
}
