package webhooks

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/webhooks/policy"
)

// clusterFixtures are the objects the fuzz tests and benchmarks look up: an instance,
// its namespace, a Role that reads its Secrets and ClusterRoles to aggregate.
func clusterFixtures() []client.Object {
	return []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		leadpoetAPI(),
		&rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "own-secrets", Namespace: "team-a"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"},
				Verbs: []string{"get"}, ResourceNames: []string{"intent-db"}}},
		},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "pod-viewer", Labels: map[string]string{"aggregate-to-support": "true"}},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}},
		},
	}
}

// Typical request objects, one per kind.

func sampleIngress() *networkingv1.Ingress {
	return &networkingv1.Ingress{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a", Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/ssl-redirect": "true",
			"nginx.ingress.kubernetes.io/ssl-ciphers":  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
		}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: new("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"api.example.com"}, SecretName: "intent-tls"}},
			Rules:            []networkingv1.IngressRule{{Host: "api.example.com"}},
		},
	}
}

func sampleNetworkPolicy() *networkingv1.NetworkPolicy {
	networkPolicy := managedNetworkPolicy()
	networkPolicy.Labels = nil
	networkPolicy.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
		{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}},
	}}}
	networkPolicy.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
		{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.169.254/32", "169.254.170.0/24", "10.0.0.0/8"}}},
	}}}
	return networkPolicy
}

func sampleServiceAccount() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent", Namespace: "team-a",
			Labels:      map[string]string{policy.LabelManagedBy: policy.ManagedByValue},
			Annotations: map[string]string{policy.AnnotationRoleARN: "arn:aws:iam::111122223333:role/intent"}},
		AutomountServiceAccountToken: new(false),
	}
}

func sampleRole() *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: "team-a"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get"}},
		},
	}
}

func sampleClusterRole() *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: "support"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"aggregate-to-support": "true"}}}},
	}
}

func sampleRoleBinding() *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "intent-secrets", Namespace: "team-a"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "intent", Namespace: "team-a"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "own-secrets"},
	}
}

func sampleClusterRoleBinding() *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "support"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "support-engineers"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "support"},
	}
}

func sampleLeadpoetAPI() *platformv1alpha1.LeadpoetAPI {
	api := leadpoetAPI()
	api.Spec.NetworkPolicy.Egress = []platformv1alpha1.EgressRule{{
		Name:  "database",
		To:    []platformv1alpha1.NetworkPeer{{CIDR: "10.1.0.0/24"}},
		Ports: []platformv1alpha1.EgressPort{{Port: 5432}},
	}}
	api.Spec.ServiceAccount.RoleARN = "arn:aws:iam::111122223333:role/intent"
	return api
}
