package controllers

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/ingressprofile"
)

func healthyObservations() observations {
	return observations{
		generation:        3,
		ingressConfigured: true,
		hasIngressPeers:   true,
		findings: []ingressprofile.Finding{
			{Condition: platformv1alpha1.ConditionTLSPolicyEnforced, Enforced: true, Reason: "Enforced"},
		},
	}
}

func TestSetConditions(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(*observations)
		wantReady  metav1.ConditionStatus
		wantReason string
		// wantOther checks one more condition type against a status.
		wantOther       string
		wantOtherStatus metav1.ConditionStatus
	}{
		{
			name:       "healthy instance is ready",
			mutate:     func(*observations) {},
			wantReady:  metav1.ConditionTrue,
			wantReason: platformv1alpha1.ReasonReconciled,
		},
		{
			name:            "invalid spec stalls",
			mutate:          func(o *observations) { o.invalidSpec = "spec.ingress.tls: Required value" },
			wantReady:       metav1.ConditionFalse,
			wantReason:      platformv1alpha1.ReasonInvalidSpec,
			wantOther:       platformv1alpha1.ConditionStalled,
			wantOtherStatus: metav1.ConditionTrue,
		},
		{
			name:            "apply failure keeps reconciling",
			mutate:          func(o *observations) { o.applyErrors = []string{"applying the Service failed: timeout"} },
			wantReady:       metav1.ConditionFalse,
			wantReason:      platformv1alpha1.ReasonApplyFailed,
			wantOther:       platformv1alpha1.ConditionReconciling,
			wantOtherStatus: metav1.ConditionTrue,
		},
		{
			name: "missing ingress class holds ready back",
			mutate: func(o *observations) {
				o.ingressClassReason = platformv1alpha1.ReasonIngressClassNotFound
				o.ingressClassMessage = `IngressClass "nginx" not found`
			},
			wantReady:       metav1.ConditionFalse,
			wantReason:      platformv1alpha1.ReasonIngressClassNotFound,
			wantOther:       platformv1alpha1.ConditionIngressReady,
			wantOtherStatus: metav1.ConditionFalse,
		},
		{
			name:            "no ingress peers holds ready back",
			mutate:          func(o *observations) { o.hasIngressPeers = false; o.noPeersMessage = "none" },
			wantReady:       metav1.ConditionFalse,
			wantReason:      platformv1alpha1.ReasonNoIngressPeers,
			wantOther:       platformv1alpha1.ConditionNetworkPolicyReady,
			wantOtherStatus: metav1.ConditionFalse,
		},
		{
			name: "unenforced TLS policy informs without holding ready back",
			mutate: func(o *observations) {
				o.findings[0].Enforced = false
				o.findings[0].Reason = platformv1alpha1.ReasonNotEnforced
			},
			wantReady:       metav1.ConditionTrue,
			wantReason:      platformv1alpha1.ReasonReconciled,
			wantOther:       platformv1alpha1.ConditionTLSPolicyEnforced,
			wantOtherStatus: metav1.ConditionFalse,
		},
		{
			name:            "secret failure holds ready back",
			mutate:          func(o *observations) { o.secretsConfigured = true; o.secretFailures = []string{"db: AccessDenied"} },
			wantReady:       metav1.ConditionFalse,
			wantReason:      platformv1alpha1.ReasonSyncFailed,
			wantOther:       platformv1alpha1.ConditionSecretsSynced,
			wantOtherStatus: metav1.ConditionFalse,
		},
		{
			name: "available deployment is reported",
			mutate: func(o *observations) {
				o.desiredReplicas = 2
				o.deployment = &appsv1.Deployment{Status: appsv1.DeploymentStatus{
					AvailableReplicas: 2,
					Conditions: []appsv1.DeploymentCondition{
						{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue},
					},
				}}
			},
			wantReady:       metav1.ConditionTrue,
			wantReason:      platformv1alpha1.ReasonReconciled,
			wantOther:       platformv1alpha1.ConditionWorkloadAvailable,
			wantOtherStatus: metav1.ConditionTrue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := healthyObservations()
			tt.mutate(&obs)
			status := &platformv1alpha1.LeadpoetAPIStatus{}
			setConditions(status, obs)

			ready := meta.FindStatusCondition(status.Conditions, platformv1alpha1.ConditionReady)
			if ready == nil {
				t.Fatal("Ready condition missing")
			}
			if ready.Status != tt.wantReady || ready.Reason != tt.wantReason {
				t.Errorf("Ready = %s/%s (%s), want %s/%s", ready.Status, ready.Reason, ready.Message,
					tt.wantReady, tt.wantReason)
			}
			if ready.ObservedGeneration != obs.generation {
				t.Errorf("Ready.observedGeneration = %d, want %d", ready.ObservedGeneration, obs.generation)
			}
			if tt.wantOther != "" {
				other := meta.FindStatusCondition(status.Conditions, tt.wantOther)
				if other == nil || other.Status != tt.wantOtherStatus {
					t.Errorf("%s = %v, want status %s", tt.wantOther, other, tt.wantOtherStatus)
				}
			}
		})
	}
}

func TestSetConditionsIsStable(t *testing.T) {
	status := &platformv1alpha1.LeadpoetAPIStatus{}
	setConditions(status, healthyObservations())
	first := status.DeepCopy()
	setConditions(status, healthyObservations())
	if len(first.Conditions) != len(status.Conditions) {
		t.Fatalf("condition count changed from %d to %d", len(first.Conditions), len(status.Conditions))
	}
	for i := range first.Conditions {
		if first.Conditions[i] != status.Conditions[i] {
			t.Errorf("condition %s changed on an identical observation:\n%v\n%v",
				first.Conditions[i].Type, first.Conditions[i], status.Conditions[i])
		}
	}
}
