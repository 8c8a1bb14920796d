package controllers

import (
	"fmt"
	"strings"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/ingressprofile"
)

// observations is the record of what one reconcile learned. Conditions are a pure
// function of it, so every status rule is table-tested without an API server.
type observations struct {
	generation int64

	// invalidSpec explains why the spec cannot be reconciled without a change.
	invalidSpec string
	// applyErrors are transient failures, one line per child.
	applyErrors []string

	deployment      *appsv1.Deployment
	desiredReplicas int32

	ingressConfigured bool
	// ingressClassReason and ingressClassMessage are set when the class is unusable.
	ingressClassReason  string
	ingressClassMessage string
	findings            []ingressprofile.Finding

	hasIngressPeers bool
	noPeersMessage  string

	certificateConfigured bool
	certificate           *cmapi.Certificate
	certificateMessage    string

	secretsConfigured bool
	// secretFailures hold one line per failing spec.secrets entry, without any value.
	secretFailures []string
	// secretsHash is the pod-template annotation for the synced values, empty when
	// the instance syncs none.
	secretsHash string
}

// readyDependencies lists the conditions that hold Ready back, in the order their
// reasons are reported.
var readyDependencies = []string{
	platformv1alpha1.ConditionIngressReady,
	platformv1alpha1.ConditionNetworkPolicyReady,
	platformv1alpha1.ConditionSecretsSynced,
}

// setConditions writes the conditions for obs into status. metav1.Condition's
// LastTransitionTime changes only when a status flips, so an unchanged observation
// leaves status byte for byte the same and the caller can skip the write.
func setConditions(status *platformv1alpha1.LeadpoetAPIStatus, obs observations) {
	set := func(conditionType string, state metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&status.Conditions, metav1.Condition{
			Type:               conditionType,
			Status:             state,
			Reason:             reason,
			Message:            message,
			ObservedGeneration: obs.generation,
		})
	}

	if obs.invalidSpec != "" {
		set(platformv1alpha1.ConditionStalled, metav1.ConditionTrue, platformv1alpha1.ReasonInvalidSpec, obs.invalidSpec)
		set(platformv1alpha1.ConditionReconciling, metav1.ConditionFalse, platformv1alpha1.ReasonInvalidSpec,
			"Reconciling stopped until the spec changes")
		set(platformv1alpha1.ConditionReady, metav1.ConditionFalse, platformv1alpha1.ReasonInvalidSpec, obs.invalidSpec)
		return
	}
	set(platformv1alpha1.ConditionStalled, metav1.ConditionFalse, platformv1alpha1.ReasonReconciled, "The spec is valid")

	setWorkloadCondition(set, obs)
	setIngressConditions(set, obs)
	setNetworkPolicyCondition(set, obs)
	setCertificateCondition(set, obs)
	setSecretsCondition(set, obs)

	if len(obs.applyErrors) > 0 {
		message := strings.Join(obs.applyErrors, "; ")
		set(platformv1alpha1.ConditionReconciling, metav1.ConditionTrue, platformv1alpha1.ReasonApplyFailed, message)
		set(platformv1alpha1.ConditionReady, metav1.ConditionFalse, platformv1alpha1.ReasonApplyFailed, message)
		return
	}
	set(platformv1alpha1.ConditionReconciling, metav1.ConditionFalse, platformv1alpha1.ReasonReconciled,
		"Every child object is applied")
	for _, dependency := range readyDependencies {
		if condition := meta.FindStatusCondition(status.Conditions, dependency); condition != nil &&
			condition.Status != metav1.ConditionTrue {
			set(platformv1alpha1.ConditionReady, metav1.ConditionFalse, condition.Reason,
				dependency+": "+condition.Message)
			return
		}
	}
	set(platformv1alpha1.ConditionReady, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled,
		"Every child object is applied and in sync")
}

type conditionSetter func(conditionType string, state metav1.ConditionStatus, reason, message string)

func setWorkloadCondition(set conditionSetter, obs observations) {
	const conditionType = platformv1alpha1.ConditionWorkloadAvailable
	if obs.deployment == nil || obs.deployment.Status.ObservedGeneration < obs.deployment.Generation {
		set(conditionType, metav1.ConditionUnknown, platformv1alpha1.ReasonPending,
			"The Deployment controller has not reported on the current Deployment yet")
		return
	}
	for _, condition := range obs.deployment.Status.Conditions {
		if condition.Type == appsv1.DeploymentAvailable && condition.Status == corev1.ConditionTrue {
			set(conditionType, metav1.ConditionTrue, platformv1alpha1.ReasonAvailable, fmt.Sprintf(
				"%d of %d pods available", obs.deployment.Status.AvailableReplicas, obs.desiredReplicas))
			return
		}
	}
	set(conditionType, metav1.ConditionFalse, platformv1alpha1.ReasonUnavailable, fmt.Sprintf(
		"%d of %d pods available", obs.deployment.Status.AvailableReplicas, obs.desiredReplicas))
}

func setIngressConditions(set conditionSetter, obs observations) {
	enforcedConditions := []string{
		platformv1alpha1.ConditionTLSPolicyEnforced,
		platformv1alpha1.ConditionRequestLimitsEnforced,
		platformv1alpha1.ConditionSecurityHeadersEnforced,
	}
	if !obs.ingressConfigured {
		set(platformv1alpha1.ConditionIngressReady, metav1.ConditionTrue, platformv1alpha1.ReasonNotConfigured,
			"spec.ingress is not set, so the API is reachable only inside the cluster")
		for _, conditionType := range enforcedConditions {
			set(conditionType, metav1.ConditionFalse, platformv1alpha1.ReasonNotConfigured,
				"spec.ingress is not set")
		}
		return
	}
	if obs.ingressClassReason != "" {
		set(platformv1alpha1.ConditionIngressReady, metav1.ConditionFalse, obs.ingressClassReason,
			obs.ingressClassMessage)
	} else {
		set(platformv1alpha1.ConditionIngressReady, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled,
			"The Ingress is applied")
	}
	for _, finding := range obs.findings {
		state := metav1.ConditionFalse
		if finding.Enforced {
			state = metav1.ConditionTrue
		}
		set(finding.Condition, state, finding.Reason, finding.Message)
	}
}

func setNetworkPolicyCondition(set conditionSetter, obs observations) {
	if !obs.hasIngressPeers {
		set(platformv1alpha1.ConditionNetworkPolicyReady, metav1.ConditionFalse, platformv1alpha1.ReasonNoIngressPeers,
			obs.noPeersMessage)
		return
	}
	set(platformv1alpha1.ConditionNetworkPolicyReady, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled,
		"Default deny is in force with the configured ingress peers and egress rules")
}

func setCertificateCondition(set conditionSetter, obs observations) {
	const conditionType = platformv1alpha1.ConditionCertificateReady
	switch {
	case !obs.certificateConfigured:
		set(conditionType, metav1.ConditionTrue, platformv1alpha1.ReasonNotConfigured,
			"spec.ingress.tls.issuerRef is not set, so no Certificate is requested")
	case obs.certificateMessage != "":
		set(conditionType, metav1.ConditionFalse, platformv1alpha1.ReasonApplyFailed, obs.certificateMessage)
	case obs.certificate == nil:
		set(conditionType, metav1.ConditionUnknown, platformv1alpha1.ReasonPending,
			"cert-manager has not reported on the Certificate yet")
	default:
		for _, condition := range obs.certificate.Status.Conditions {
			if condition.Type == cmapi.CertificateConditionReady {
				set(conditionType, metav1.ConditionStatus(condition.Status), stringOr(condition.Reason,
					platformv1alpha1.ReasonPending), condition.Message)
				return
			}
		}
		set(conditionType, metav1.ConditionUnknown, platformv1alpha1.ReasonPending,
			"cert-manager has not reported on the Certificate yet")
	}
}

func setSecretsCondition(set conditionSetter, obs observations) {
	const conditionType = platformv1alpha1.ConditionSecretsSynced
	switch {
	case !obs.secretsConfigured:
		set(conditionType, metav1.ConditionTrue, platformv1alpha1.ReasonNotConfigured, "spec.secrets is empty")
	case len(obs.secretFailures) > 0:
		set(conditionType, metav1.ConditionFalse, platformv1alpha1.ReasonSyncFailed,
			strings.Join(obs.secretFailures, "; "))
	default:
		set(conditionType, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled,
			"Every spec.secrets entry holds its current value")
	}
}
