package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

// recordReadyTransition records an Event when the Ready condition changes status or
// reason, and never on a loop that changes nothing.
func (r *Reconciler) recordReadyTransition(before, after *platformv1alpha1.LeadpoetAPI) {
	previous := meta.FindStatusCondition(before.Status.Conditions, platformv1alpha1.ConditionReady)
	current := meta.FindStatusCondition(after.Status.Conditions, platformv1alpha1.ConditionReady)
	if current == nil || (previous != nil && previous.Status == current.Status && previous.Reason == current.Reason) {
		return
	}
	eventType := corev1.EventTypeNormal
	if current.Status != metav1.ConditionTrue {
		eventType = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(after, nil, eventType, current.Reason, "Reconcile", "%s", current.Message)
}
