package integration

import (
	"context"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// autoscalingScale writes a Deployment's scale subresource as a
// HorizontalPodAutoscaler does, under its own field manager.
type autoscalingScale struct{}

func (autoscalingScale) set(ctx context.Context, deployment *appsv1.Deployment, replicas int32) {
	scale := &autoscalingv1.Scale{}
	Expect(k8s.SubResource("scale").Get(ctx, deployment, scale)).To(Succeed())
	scale.Spec.Replicas = replicas
	Expect(k8s.SubResource("scale").Update(ctx, deployment,
		client.WithSubResourceBody(scale), client.FieldOwner("horizontal-pod-autoscaler"))).To(Succeed())
}
