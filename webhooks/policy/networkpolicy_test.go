package policy

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ipBlock(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

func TestValidateNetworkPolicy(t *testing.T) {
	labelled := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	tests := []struct {
		name         string
		spec         networkingv1.NetworkPolicySpec
		wantPaths    []string
		wantWarnings []string
	}{
		{name: "default deny passes", spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		}},
		{name: "allow-all egress rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{}},
		}, wantPaths: []string{"spec.egress[0].to"}},
		{name: "egress to 0.0.0.0/0 rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{ipBlock("0.0.0.0/0")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to 0.0.0.0/0 except metadata passes with warning", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("0.0.0.0/0", "169.254.169.254/32", "169.254.170.2/32", "169.254.170.23/32")}}},
		}, wantWarnings: []string{"spec.egress[0].to[0].ipBlock.cidr: 0.0.0.0/0"}},
		{name: "egress to 0.0.0.0/0 except only IMDS rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("0.0.0.0/0", "169.254.169.254/32")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to container credentials range rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("169.254.170.0/24")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to ECS credentials host rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("169.254.170.2/32")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to IPv6 Pod Identity host rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("fd00:ec2::23/128")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to container credentials range with except passes", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("169.254.170.0/24", "169.254.170.2/32", "169.254.170.23/32")}}},
		}},
		{name: "egress to ::/0 except only IPv6 IMDS rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("::/0", "fd00:ec2::254/128")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to ::/0 except other range rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("::/0", "fd00::/64")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.cidr"}},
		{name: "egress to ::/0 except IPv6 metadata passes", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("::/0", "fd00:ec2::/32")}}},
		}, wantWarnings: []string{"::/0"}},
		{name: "egress to link-local range rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("10.0.0.0/8"), ipBlock("169.254.0.0/16")}}},
		}, wantPaths: []string{"spec.egress[0].to[1].ipBlock.cidr"}},
		{name: "invalid except entry rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				ipBlock("10.0.0.0/8", "10.1.0.0/99")}}},
		}, wantPaths: []string{"spec.egress[0].to[0].ipBlock.except[0]"}},
		{name: "egress to every namespace warns", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				{NamespaceSelector: &metav1.LabelSelector{}}}}},
		}, wantWarnings: []string{"spec.egress[0].to[0].namespaceSelector"}},
		{name: "empty egress peer rejected", spec: networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{}}}},
		}, wantPaths: []string{"spec.egress[0].to[0]"}},
		{name: "ingress without from rejected", spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{}},
		}, wantPaths: []string{"spec.ingress[0].from"}},
		{name: "ingress from every namespace rejected", spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				{NamespaceSelector: labelled}, {NamespaceSelector: &metav1.LabelSelector{}}}}},
		}, wantPaths: []string{"spec.ingress[0].from[1].namespaceSelector"}},
		{name: "ingress from labelled namespace passes", spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				{NamespaceSelector: labelled, PodSelector: &metav1.LabelSelector{}}}}},
		}},
		{name: "ingress from ::/0 rejected", spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{ipBlock("::/0")}}},
		}, wantPaths: []string{"spec.ingress[0].from[0].ipBlock.cidr"}},
		{name: "ingress from metadata range passes", spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				ipBlock("169.254.0.0/16")}}},
		}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			policy := &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "allow", Namespace: "team-a"},
				Spec:       test.spec,
			}
			errs, warnings := ValidateNetworkPolicy(policy)
			checkVerdict(t, errs, warnings, test.wantPaths, test.wantWarnings)
		})
	}
}

func TestValidateNetworkPolicyUpdate(t *testing.T) {
	old := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{}},
	}}
	relabelled := old.DeepCopy()
	relabelled.Labels = map[string]string{"team": "a"}
	errs, warnings := ValidateNetworkPolicyUpdate(old, relabelled)
	checkVerdict(t, errs, warnings, nil, nil)

	widened := old.DeepCopy()
	widened.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
	errs, warnings = ValidateNetworkPolicyUpdate(old, widened)
	checkVerdict(t, errs, warnings, []string{"spec.ingress[0].from", "spec.egress[0].to"}, nil)
}

func TestValidateManagedWrite(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OperatorUsername = "system:serviceaccount:leadpoet-system:leadpoet-operator"
	managed := &metav1.ObjectMeta{Labels: map[string]string{LabelManagedBy: ManagedByValue}}
	unmanaged := &metav1.ObjectMeta{Labels: map[string]string{LabelManagedBy: "helm"}}
	const labelPath = "metadata.labels[app.kubernetes.io/managed-by]"
	tests := []struct {
		name      string
		obj       *metav1.ObjectMeta
		write     Write
		wantPaths []string
	}{
		{name: "operator create allowed", obj: managed,
			write: Write{Operation: OperationCreate, Username: cfg.OperatorUsername}},
		{name: "user create rejected", obj: managed,
			write: Write{Operation: OperationCreate, Username: "alice"}, wantPaths: []string{labelPath}},
		{name: "garbage collector create rejected", obj: managed,
			write:     Write{Operation: OperationCreate, Username: DefaultGarbageCollectorUsername, OwnerGone: true},
			wantPaths: []string{labelPath}},
		{name: "unmanaged create allowed", obj: unmanaged,
			write: Write{Operation: OperationCreate, Username: "alice"}},
		{name: "operator update allowed", obj: managed,
			write: Write{Operation: OperationUpdate, Username: cfg.OperatorUsername}},
		{name: "operator delete allowed", obj: managed,
			write: Write{Operation: OperationDelete, Username: cfg.OperatorUsername}},
		{name: "user update rejected", obj: managed,
			write: Write{Operation: OperationUpdate, Username: "alice"}, wantPaths: []string{labelPath}},
		{name: "user delete with live owner rejected", obj: managed,
			write: Write{Operation: OperationDelete, Username: "alice"}, wantPaths: []string{labelPath}},
		{name: "user delete of orphaned policy allowed", obj: managed,
			write: Write{Operation: OperationDelete, Username: "alice", OwnerGone: true}},
		{name: "user update of orphaned policy rejected", obj: managed,
			write:     Write{Operation: OperationUpdate, Username: "alice", OwnerGone: true},
			wantPaths: []string{labelPath}},
		{name: "user delete in terminating namespace with live owner rejected", obj: managed,
			write:     Write{Operation: OperationDelete, Username: "alice", NamespaceTerminating: true},
			wantPaths: []string{labelPath}},
		{name: "unmanaged delete allowed", obj: unmanaged,
			write: Write{Operation: OperationDelete, Username: "alice"}},
		{name: "garbage collector after owner gone allowed", obj: managed,
			write: Write{Operation: OperationDelete, Username: DefaultGarbageCollectorUsername, OwnerGone: true}},
		{name: "garbage collector orphaning allowed", obj: managed,
			write: Write{Operation: OperationUpdate, Username: DefaultGarbageCollectorUsername, OwnerGone: true}},
		{name: "garbage collector with live owner rejected", obj: managed,
			write:     Write{Operation: OperationDelete, Username: DefaultGarbageCollectorUsername},
			wantPaths: []string{labelPath}},
		{name: "garbage collector in terminating namespace rejected", obj: managed,
			write:     Write{Operation: OperationDelete, Username: DefaultGarbageCollectorUsername, NamespaceTerminating: true},
			wantPaths: []string{labelPath}},
		{name: "namespace controller in terminating namespace allowed", obj: managed,
			write: Write{Operation: OperationDelete, Username: DefaultNamespaceControllerUsername, NamespaceTerminating: true}},
		{name: "namespace controller after owner gone allowed", obj: managed,
			write: Write{Operation: OperationDelete, Username: DefaultNamespaceControllerUsername, OwnerGone: true}},
		{name: "namespace controller with live owner rejected", obj: managed,
			write:     Write{Operation: OperationDelete, Username: DefaultNamespaceControllerUsername},
			wantPaths: []string{labelPath}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			errs := ValidateManagedWrite(test.obj, "NetworkPolicy", test.write, cfg)
			checkVerdict(t, errs, nil, test.wantPaths, nil)
		})
	}
}

func TestValidateManagedWriteWithoutOperatorUsername(t *testing.T) {
	managed := &metav1.ObjectMeta{Labels: map[string]string{LabelManagedBy: ManagedByValue}}
	errs := ValidateManagedWrite(managed, "NetworkPolicy",
		Write{Operation: OperationDelete, Username: ""}, DefaultConfig())
	if len(errs) != 1 {
		t.Errorf("an empty username matched the unset operator username: errors = %v", errs)
	}
}

// A rejected delete names the owner that still exists and the two ways forward.
func TestValidateManagedWriteDeleteMessage(t *testing.T) {
	managed := &metav1.ObjectMeta{
		Labels: map[string]string{LabelManagedBy: ManagedByValue},
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "platform.leadpoet.io/v1alpha1", Kind: "LeadpoetAPI", Name: "shop",
		}},
	}
	errs := ValidateManagedWrite(managed, "NetworkPolicy",
		Write{Operation: OperationDelete, Username: "alice"}, DefaultConfig())
	want := `this NetworkPolicy is managed by leadpoet-operator and its owner LeadpoetAPI "shop" ` +
		`still exists; change that LeadpoetAPI instead, or delete it, which deletes this ` +
		`NetworkPolicy too`
	if len(errs) != 1 || errs[0].Detail != want {
		t.Errorf("errors = %v, want one with detail %q", errs, want)
	}
}
