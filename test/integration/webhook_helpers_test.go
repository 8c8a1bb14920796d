package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/cmd/manager/app"
)

// Identities of the kube-controller-manager loops that the webhooks let clean up
// managed objects. kube-apiserver's bootstrap policy already binds both to roles that
// may delete NetworkPolicies.
const (
	garbageCollectorUser    = "system:serviceaccount:kube-system:generic-garbage-collector"
	namespaceControllerUser = "system:serviceaccount:kube-system:namespace-controller"
)

// The suite's manager authenticates as envtest's admin user, so the webhooks take every
// write through k8s for the operator's own. Requests that must be judged as a
// cluster user's go through the tenant, a second member of system:masters that is not
// the operator.
var (
	tenantOnce sync.Once
	tenant     *envtest.AuthenticatedUser
)

// tenantUser returns the tenant, provisioning it on first use.
func tenantUser() *envtest.AuthenticatedUser {
	GinkgoHelper()
	tenantOnce.Do(func() {
		var err error
		tenant, err = testEnv.AddUser(envtest.User{Name: "tenant-admin", Groups: []string{"system:masters"}}, nil)
		Expect(err).NotTo(HaveOccurred())
	})
	Expect(tenant).NotTo(BeNil(), "provisioning the tenant user failed earlier")
	return tenant
}

// clientAs returns a client that sends the tenant's requests as username, which the
// tenant may impersonate because it is in system:masters. An empty username sends them
// as the tenant.
func clientAs(username string) client.Client {
	GinkgoHelper()
	config := rest.CopyConfig(tenantUser().Config())
	config.Impersonate = rest.ImpersonationConfig{UserName: username}
	c, err := client.New(config, client.Options{Scheme: app.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// guardedNamespace creates a namespace that opts in to the webhooks through the
// guarded label, and deletes it afterwards.
func guardedNamespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "guarded-",
		Labels:       map[string]string{"platform.leadpoet.io/guarded": "true"},
	}}
	Expect(k8s.Create(context.Background(), ns)).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(context.Background(), ns))).To(Succeed())
	})
	return ns.Name
}

// caseCounter makes object names unique across table entries that share a namespace.
var caseCounter atomic.Int64

func uniqueCaseName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, caseCounter.Add(1))
}

// verdict is the API server's expected response to one request.
type verdict struct {
	allowed bool
	// webhook names the webhook expected in the message, or is empty when the CRD
	// schema rejects the request before any webhook is called.
	webhook string
	// reason is the status reason, StatusReasonInvalid for every rule violation.
	reason metav1.StatusReason
	// causeType is the type of every cause, such as FieldValueInvalid.
	causeType metav1.CauseType
	// fields are the exact field paths of the causes, duplicates included.
	fields []string
	// fix is the part of the message that names the change to make.
	fix string
}

func allowed() verdict {
	return verdict{allowed: true}
}

// rejected expects the webhook to return Invalid with one cause of causeType for
// each of fields.
func rejected(webhook string, causeType metav1.CauseType, fix string, fields ...string) verdict {
	return verdict{webhook: webhook, reason: metav1.StatusReasonInvalid, causeType: causeType,
		fields: fields, fix: fix}
}

// forbidden expects a rejected delete: Forbidden, with the same causes as rejected.
func forbidden(webhook string, causeType metav1.CauseType, fix string, fields ...string) verdict {
	want := rejected(webhook, causeType, fix, fields...)
	want.reason = metav1.StatusReasonForbidden
	return want
}

// Webhook names, as in config/webhook/manifests.yaml.
const (
	leadpoetAPIWebhook        = "vleadpoetapi.platform.leadpoet.io"
	ingressWebhook            = "vingress.platform.leadpoet.io"
	networkPolicyWebhook      = "vnetworkpolicy.platform.leadpoet.io"
	roleWebhook               = "vrole.platform.leadpoet.io"
	clusterRoleWebhook        = "vclusterrole.platform.leadpoet.io"
	roleBindingWebhook        = "vrolebinding.platform.leadpoet.io"
	clusterRoleBindingWebhook = "vclusterrolebinding.platform.leadpoet.io"
	serviceAccountWebhook     = "vserviceaccount.platform.leadpoet.io"
)

// Cause types of the field.ErrorList entries that the rules return.
const (
	invalidValue    = metav1.CauseType(field.ErrorTypeInvalid)
	requiredValue   = metav1.CauseType(field.ErrorTypeRequired)
	forbiddenByRule = metav1.CauseType(field.ErrorTypeForbidden)
)

// expectVerdict checks err against want: the status reason, the webhook that rejected
// the request, the exact field path of every cause and the suggested fix.
func expectVerdict(err error, want verdict) {
	GinkgoHelper()
	if want.allowed {
		Expect(err).NotTo(HaveOccurred())
		return
	}
	Expect(err).To(HaveOccurred(), "request allowed, want rejected at %v", want.fields)
	AddReportEntry("rejection", err.Error())

	var status *apierrors.StatusError
	Expect(errors.As(err, &status)).To(BeTrue(), "%T is not a StatusError: %v", err, err)
	Expect(status.Status().Reason).To(Equal(want.reason), err.Error())
	Expect(apierrors.IsInvalid(err)).To(Equal(want.reason == metav1.StatusReasonInvalid), err.Error())
	if want.webhook != "" {
		Expect(err.Error()).To(ContainSubstring(fmt.Sprintf("admission webhook %q denied the request", want.webhook)))
	} else {
		Expect(err.Error()).NotTo(ContainSubstring("admission webhook"))
	}

	Expect(status.Status().Details).NotTo(BeNil(), err.Error())
	var fields []string
	for _, cause := range status.Status().Details.Causes {
		fields = append(fields, cause.Field)
		if want.causeType != "" {
			Expect(cause.Type).To(Equal(want.causeType), "cause at %s: %s", cause.Field, cause.Message)
		}
	}
	Expect(fields).To(ConsistOf(want.fields), err.Error())
	for _, path := range want.fields {
		Expect(err.Error()).To(ContainSubstring(path))
	}
	Expect(err.Error()).To(ContainSubstring(want.fix))
}

// fixture is what a table entry's request may refer to: the shared guarded namespace,
// its LeadpoetAPI and a name no other entry uses.
type fixture struct {
	namespace string
	instance  *platformv1alpha1.LeadpoetAPI
	// instanceNamespace receives the LeadpoetAPIs that entries create.
	instanceNamespace string
	name              string
	// client sends the request: the tenant's unless the entry names another user.
	client client.Client
}

// request sends one write for fixture f and returns the API server's error, or nil
// when the write is allowed. Setup writes that the request needs must succeed.
type request func(f *fixture) error

// creating sends a create of the object build returns.
func creating(build func(f *fixture) client.Object) request {
	return func(f *fixture) error {
		obj := build(f)
		err := f.client.Create(context.Background(), obj)
		if err == nil {
			cleanUpClusterObject(obj)
		}
		return err
	}
}

// updating creates the object seed returns as the tenant, then sends an update that
// change makes to it.
func updating(seed func(f *fixture) client.Object, change func(obj client.Object)) request {
	return func(f *fixture) error {
		obj := seed(f)
		Expect(clientAs("").Create(context.Background(), obj)).To(Succeed(), "seed %s", describe(obj))
		cleanUpClusterObject(obj)
		return updateWithRetry(f.client, obj, change)
	}
}

// updatingExisting sends an update that change makes to an object that already
// exists, such as a child of the fixture's instance.
func updatingExisting(existing func(f *fixture) client.Object, change func(obj client.Object)) request {
	return func(f *fixture) error {
		return updateWithRetry(f.client, existing(f), change)
	}
}

// deleting creates the object seed returns as the tenant, then sends a delete.
func deleting(seed func(f *fixture) client.Object) request {
	return func(f *fixture) error {
		obj := seed(f)
		Expect(clientAs("").Create(context.Background(), obj)).To(Succeed(), "seed %s", describe(obj))
		cleanUpClusterObject(obj)
		return f.client.Delete(context.Background(), obj)
	}
}

// deletingExisting sends a delete of an object that already exists.
func deletingExisting(existing func(f *fixture) client.Object) request {
	return func(f *fixture) error {
		return f.client.Delete(context.Background(), existing(f))
	}
}

// as sends r impersonating username.
func as(username string, r request) request {
	return func(f *fixture) error {
		impersonated := *f
		impersonated.client = clientAs(username)
		return r(&impersonated)
	}
}

// asOperator sends r with the operator's identity.
func asOperator(r request) request {
	return func(f *fixture) error {
		operator := *f
		operator.client = k8s
		return r(&operator)
	}
}

// updateWithRetry reads obj, applies change and updates it, retrying on conflicts with
// the controller's own writes. Any other error is returned as the request's result.
func updateWithRetry(c client.Client, obj client.Object, change func(obj client.Object)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change(obj)
		return c.Update(context.Background(), obj)
	})
}

// cleanUpClusterObject deletes a cluster-scoped object after the test, because no
// namespace deletion takes it along.
func cleanUpClusterObject(obj client.Object) {
	if obj.GetNamespace() != "" {
		return
	}
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(context.Background(), obj))).To(Succeed())
	})
}

// Object builders. Each returns a valid object that an entry then weakens.

// tlsIngress returns an ingress-nginx Ingress whose one host spec.tls covers.
func tlsIngress(namespace, name string) *networkingv1.Ingress {
	host := name + ".example.com"
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: map[string]string{}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: new("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: name + "-tls"}},
			Rules:            []networkingv1.IngressRule{{Host: host}},
		},
	}
}

// albIngress returns an ALB Ingress that takes its certificate from ACM.
func albIngress(namespace, name string) *networkingv1.Ingress {
	ingress := tlsIngress(namespace, name)
	ingress.Spec.IngressClassName = new("alb")
	ingress.Spec.TLS = nil
	ingress.Annotations["alb.ingress.kubernetes.io/certificate-arn"] =
		"arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	ingress.Annotations["alb.ingress.kubernetes.io/ssl-policy"] = "ELBSecurityPolicy-TLS13-1-3-2021-06"
	return ingress
}

// egressPolicy returns a NetworkPolicy with one egress rule to peers on TCP 443.
func egressPolicy(namespace, name string, peers ...networkingv1.NetworkPolicyPeer) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    peers,
				Ports: []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(443))}},
			}},
		},
	}
}

// ingressPolicy returns a NetworkPolicy with one ingress rule from peers.
func ingressPolicy(namespace, name string, peers ...networkingv1.NetworkPolicyPeer) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: peers}},
		},
	}
}

func ipBlock(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
}

func namespacesLabelled(labels map[string]string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: labels}}
}

func policyRule(groups, resources, verbs []string, resourceNames ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: resourceNames}
}

// podReader is a narrow rule that passes every RBAC check.
var podReader = policyRule([]string{""}, []string{"pods"}, []string{"get", "list", "watch"})

func role(namespace, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Rules: rules}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func roleRef(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: name}
}

func roleBinding(namespace, name string, ref rbacv1.RoleRef, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		RoleRef: ref, Subjects: subjects}
}

func clusterRoleBinding(name string, ref rbacv1.RoleRef, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: ref, Subjects: subjects}
}

func serviceAccountSubject(namespace, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}
}

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func groupSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// clusterName returns a cluster-scoped object name that is unique to fixture f.
func clusterName(f *fixture, prefix string) string {
	return strings.Join([]string{prefix, f.namespace, f.name}, "-")
}
