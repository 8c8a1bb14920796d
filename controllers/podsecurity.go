package controllers

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// repairFieldManager owns the writes that replace a tampered pod template. It differs
// from FieldManager so that managedFields show the repair apart from routine applies.
const repairFieldManager = "leadpoet-operator-repair"

// annotationRestartedAt is set by kubectl rollout restart; a repair keeps it so that
// restarting pods stays possible.
const annotationRestartedAt = "kubectl.kubernetes.io/restartedAt"

var restrictedLatest = api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}

// podSecurityEvaluator checks pod templates against the Pod Security Standards as
// implemented by the API server's own PodSecurity admission, at the same release.
var podSecurityEvaluator = mustEvaluator()

func mustEvaluator() policy.Evaluator {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic(fmt.Sprintf("building the Pod Security evaluator: %v", err))
	}
	return evaluator
}

// restrictedViolations returns why template fails the restricted Pod Security
// Standard, or nil when it passes.
func restrictedViolations(template *corev1.PodTemplateSpec) []string {
	var violations []string
	for _, result := range podSecurityEvaluator.EvaluatePod(restrictedLatest, &template.ObjectMeta, &template.Spec) {
		if !result.Allowed {
			violations = append(violations, result.ForbiddenReason+" ("+result.ForbiddenDetail+")")
		}
	}
	return violations
}

// repairPodTemplate replaces a live pod template that fails the restricted standard
// with the desired one. Server-side apply resets only the fields the operator owns, so
// a container, volume or host namespace that someone else added would otherwise stay.
// It returns whether it wrote.
func (r *Reconciler) repairPodTemplate(ctx context.Context, s *state, live *appsv1.Deployment,
	desired *appsv1ac.DeploymentApplyConfiguration) (bool, error) {
	violations := restrictedViolations(&live.Spec.Template)
	if len(violations) == 0 {
		return false, nil
	}
	template, err := convertVia[corev1.PodTemplateSpec](desired.Spec.Template)
	if err != nil {
		return false, err
	}
	if restartedAt, ok := live.Spec.Template.Annotations[annotationRestartedAt]; ok {
		if template.Annotations == nil {
			template.Annotations = map[string]string{}
		}
		template.Annotations[annotationRestartedAt] = restartedAt
	}
	repaired := live.DeepCopy()
	repaired.Spec.Template = *template
	if err := r.Client.Update(ctx, repaired, client.FieldOwner(repairFieldManager)); err != nil {
		return false, fmt.Errorf("replacing the pod template that fails the restricted standard: %w", err)
	}
	message := strings.Join(violations, "; ")
	log.FromContext(ctx).Info("Replaced a pod template that failed the restricted Pod Security Standard",
		"violations", message)
	r.Recorder.Eventf(s.api, nil, corev1.EventTypeWarning, "PodTemplateRepaired", "RepairDeployment",
		"Replaced the Deployment's pod template, which someone changed to fail the restricted Pod Security "+
			"Standard: %s", message)
	return true, nil
}
