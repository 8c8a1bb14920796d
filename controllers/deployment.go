package controllers

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

const (
	containerName = "api"
	portName      = "http"

	// AnnotationRoleHash carries a hash of the IAM role ARN in the pod template. The
	// EKS pod identity webhook injects IRSA credentials only when a pod is created, so
	// a new role must roll the pods.
	AnnotationRoleHash = "platform.leadpoet.io/role-arn-hash"

	// AnnotationSecretsHash carries a hash of the synced Secret values in the pod
	// template, so a rotated value rolls the pods.
	AnnotationSecretsHash = "platform.leadpoet.io/secrets-hash"

	// nonRootUID is the user the container runs as, whatever the image declares. 65532
	// is the "nonroot" user of distroless images.
	nonRootUID int64 = 65532
)

var tmpVolumeSize = resource.MustParse("64Mi")

// buildDeployment renders the Deployment. liveReplicas is the live Deployment's
// spec.replicas, or nil when it does not exist yet. secretsHash is the hash of the
// synced Secret versions, or empty when the instance syncs none.
func buildDeployment(api *platformv1alpha1.LeadpoetAPI, liveReplicas *int32,
	secretsHash string) (*appsv1ac.DeploymentApplyConfiguration, error) {
	container, err := buildContainer(api)
	if err != nil {
		return nil, err
	}
	podSpec, err := buildPodSpec(api, container)
	if err != nil {
		return nil, err
	}

	podLabels := maps.Clone(api.Spec.Workload.PodLabels)
	if podLabels == nil {
		podLabels = map[string]string{}
	}
	maps.Copy(podLabels, childLabels(api))
	podAnnotations := maps.Clone(api.Spec.Workload.PodAnnotations)
	if podAnnotations == nil {
		podAnnotations = map[string]string{}
	}
	if arn := api.Spec.ServiceAccount.RoleARN; arn != "" {
		podAnnotations[AnnotationRoleHash] = shortHash(arn)
	}
	if secretsHash != "" {
		podAnnotations[AnnotationSecretsHash] = secretsHash
	}

	spec := appsv1ac.DeploymentSpec().
		WithSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(api))).
		WithRevisionHistoryLimit(5).
		WithStrategy(appsv1ac.DeploymentStrategy().
			WithType(appsv1.RollingUpdateDeploymentStrategyType).
			// Zero unavailable keeps serving capacity through a rollout; the surge pod
			// carries the change.
			WithRollingUpdate(appsv1ac.RollingUpdateDeployment().
				WithMaxUnavailable(intstr.FromInt32(0)).
				WithMaxSurge(intstr.FromInt32(1)))).
		WithTemplate(corev1ac.PodTemplateSpec().
			WithLabels(podLabels).
			WithAnnotations(podAnnotations).
			WithSpec(podSpec))
	if desired := desiredReplicas(api, liveReplicas); desired != nil {
		spec.WithReplicas(*desired)
	}

	return appsv1ac.Deployment(api.Name, api.Namespace).
		WithLabels(childLabels(api)).
		WithOwnerReferences(ownerReference(api)).
		WithSpec(spec), nil
}

// desiredReplicas returns spec.workload.replicas when set. Otherwise it returns the
// default for a new Deployment and the live value for an existing one, so that an
// autoscaler that owns the field is never overridden.
func desiredReplicas(api *platformv1alpha1.LeadpoetAPI, liveReplicas *int32) *int32 {
	if api.Spec.Workload.Replicas != nil {
		return api.Spec.Workload.Replicas
	}
	if liveReplicas != nil {
		return liveReplicas
	}
	defaulted := defaultReplicas
	return &defaulted
}

func buildPodSpec(api *platformv1alpha1.LeadpoetAPI,
	container *corev1ac.ContainerApplyConfiguration) (*corev1ac.PodSpecApplyConfiguration, error) {
	workload := api.Spec.Workload
	spec := corev1ac.PodSpec().
		WithServiceAccountName(api.Name).
		WithAutomountServiceAccountToken(valueOr(workload.AutomountServiceAccountToken, false)).
		WithEnableServiceLinks(false).
		WithSecurityContext(corev1ac.PodSecurityContext().
			WithRunAsNonRoot(true).
			WithRunAsUser(nonRootUID).
			WithRunAsGroup(nonRootUID).
			WithFSGroup(nonRootUID).
			WithSeccompProfile(corev1ac.SeccompProfile().
				WithType(corev1.SeccompProfileTypeRuntimeDefault))).
		WithContainers(container).
		WithVolumes(corev1ac.Volume().
			WithName("tmp").
			WithEmptyDir(corev1ac.EmptyDirVolumeSource().WithSizeLimit(tmpVolumeSize))).
		WithTopologySpreadConstraints(corev1ac.TopologySpreadConstraint().
			WithMaxSkew(1).
			WithTopologyKey(corev1.LabelTopologyZone).
			WithWhenUnsatisfiable(corev1.ScheduleAnyway).
			WithLabelSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(api))))

	if len(workload.NodeSelector) > 0 {
		spec.WithNodeSelector(workload.NodeSelector)
	}
	for _, toleration := range workload.Tolerations {
		converted, err := convertVia[corev1ac.TolerationApplyConfiguration](toleration)
		if err != nil {
			return nil, err
		}
		spec.WithTolerations(converted)
	}
	if workload.Affinity != nil {
		affinity, err := convertVia[corev1ac.AffinityApplyConfiguration](workload.Affinity)
		if err != nil {
			return nil, err
		}
		spec.WithAffinity(affinity)
	}
	return spec, nil
}

func buildContainer(api *platformv1alpha1.LeadpoetAPI) (*corev1ac.ContainerApplyConfiguration, error) {
	workload := api.Spec.Workload
	probe := func(failureThreshold int32) *corev1ac.ProbeApplyConfiguration {
		return corev1ac.Probe().
			WithHTTPGet(corev1ac.HTTPGetAction().
				WithPath(healthPath(api)).
				WithPort(intstr.FromString(portName))).
			WithPeriodSeconds(10).
			WithTimeoutSeconds(2).
			WithFailureThreshold(failureThreshold)
	}
	resources := defaultResources
	if workload.Resources != nil {
		resources = *workload.Resources
	}
	resourcesAC, err := convertVia[corev1ac.ResourceRequirementsApplyConfiguration](resources)
	if err != nil {
		return nil, err
	}

	container := corev1ac.Container().
		WithName(containerName).
		WithImage(workload.Image).
		WithPorts(corev1ac.ContainerPort().
			WithName(portName).
			WithContainerPort(containerPort(api)).
			WithProtocol(corev1.ProtocolTCP)).
		WithResources(resourcesAC).
		WithReadinessProbe(probe(3)).
		WithLivenessProbe(probe(6)).
		WithVolumeMounts(corev1ac.VolumeMount().WithName("tmp").WithMountPath("/tmp")).
		WithSecurityContext(corev1ac.SecurityContext().
			WithRunAsNonRoot(true).
			WithAllowPrivilegeEscalation(false).
			WithReadOnlyRootFilesystem(true).
			WithPrivileged(false).
			WithCapabilities(corev1ac.Capabilities().WithDrop("ALL")).
			WithSeccompProfile(corev1ac.SeccompProfile().
				WithType(corev1.SeccompProfileTypeRuntimeDefault)))

	for _, env := range workload.Env {
		converted, err := convertVia[corev1ac.EnvVarApplyConfiguration](env)
		if err != nil {
			return nil, err
		}
		container.WithEnv(converted)
	}
	for _, source := range workload.EnvFrom {
		converted, err := convertVia[corev1ac.EnvFromSourceApplyConfiguration](source)
		if err != nil {
			return nil, err
		}
		container.WithEnvFrom(converted)
	}
	return container, nil
}

// shortHash returns a stable, non-reversible 16-character digest of value for
// annotations that must change when value changes.
func shortHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:8])
}

func ownerReference(api *platformv1alpha1.LeadpoetAPI) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(platformv1alpha1.GroupVersion.String()).
		WithKind("LeadpoetAPI").
		WithName(api.Name).
		WithUID(api.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}
