package integration

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/test/awslocal"
)

// secretAPI returns an instance whose role may read the given Secrets Manager names.
func secretAPI(namespace, name string, allowed ...string) *platformv1alpha1.LeadpoetAPI {
	api := nginxAPI(namespace, name)
	aws.AllowRole(api.Spec.ServiceAccount.RoleARN, awslocal.ServiceAccountSubject(namespace, name), allowed...)
	return api
}

// uniqueName returns a Secrets Manager name no other test uses.
func uniqueName(namespace, name string) string {
	return namespace + "/" + name
}

// secretData reads a synced Secret's data.
func secretData(g Gomega, api *platformv1alpha1.LeadpoetAPI, name string) map[string][]byte {
	secret := &corev1.Secret{}
	getChild(g, api, secret, name)
	return secret.Data
}

// podTemplateSecretsHash reads the secrets hash on the Deployment's pod template.
func podTemplateSecretsHash(g Gomega, api *platformv1alpha1.LeadpoetAPI) string {
	deployment := &appsv1.Deployment{}
	getChild(g, api, deployment)
	return deployment.Spec.Template.Annotations["platform.leadpoet.io/secrets-hash"]
}

// refreshNow makes every refresh due and starts a reconcile of api, the way the
// planned requeue does once the refresh interval has passed.
func refreshNow(api *platformv1alpha1.LeadpoetAPI) {
	GinkgoHelper()
	clock.Step(2 * time.Hour)
	service := &corev1.Service{}
	Eventually(func(g Gomega) { getChild(g, api, service) }).Should(Succeed())
	if service.Annotations == nil {
		service.Annotations = map[string]string{}
	}
	service.Annotations["test.leadpoet.io/nudge"] = time.Now().String()
	Expect(k8s.Update(context.Background(), service, client.FieldOwner("test-nudge"))).To(Succeed())
}

var _ = Describe("Secret sync", func() {
	ctx := context.Background()

	It("syncs whole values, JSON properties, dotted keys, fan-out and binary values", func() {
		namespace := newNamespace()
		openai := uniqueName(namespace, "openai")
		database := uniqueName(namespace, "database")
		certificate := uniqueName(namespace, "client-cert")
		aws.PutSecretString(openai, `{"api_key":"sk-test-1"}`)
		aws.PutSecretString(database, `{"user":"app","port":5432,"replicas":{"primary.eu":{"host":"db-eu"}}}`)
		binary := []byte{0x00, 0xff, 0x10, 0x80, 'x'}
		aws.PutSecretBinary(certificate, binary)

		api := secretAPI(namespace, "sync", openai, database, certificate)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{
			{Name: "openai", SecretName: "openai", Key: "OPENAI_API_KEY", Property: "api_key",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: openai}},
			{Name: "db-host", SecretName: "database", Key: "DB_HOST", Property: `replicas.primary\.eu.host`,
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: database}},
			{Name: "db", SecretName: "database-all", FanOut: true,
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: database}},
			{Name: "cert", SecretName: "client-cert", Key: "tls.p12",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: certificate}},
		}
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))

		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "openai")).To(Equal(map[string][]byte{"OPENAI_API_KEY": []byte("sk-test-1")}))
			g.Expect(secretData(g, api, "database")).To(Equal(map[string][]byte{"DB_HOST": []byte("db-eu")}))
			g.Expect(secretData(g, api, "database-all")).To(Equal(map[string][]byte{
				"user": []byte("app"), "port": []byte("5432"),
				"replicas": []byte(`{"primary.eu":{"host":"db-eu"}}`),
			}))
			g.Expect(secretData(g, api, "client-cert")).To(Equal(map[string][]byte{"tls.p12": binary}))
			g.Expect(podTemplateSecretsHash(g, api)).NotTo(BeEmpty())
		}).Should(Succeed())

		secret := &corev1.Secret{}
		Eventually(func(g Gomega) { getChild(g, api, secret, "openai") }).Should(Succeed())
		expectOwnedBy(Default, secret, api)
		Expect(current.Status.Secrets).To(HaveLen(4))
		Expect(current.Status.Secrets[0].VersionID).To(Equal(aws.CurrentVersionID(openai)))
		Expect(current.Status.Secrets[0].LastSyncTime).NotTo(BeNil())
	})

	It("reads a pinned version id and a version stage", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "token")
		first := aws.PutSecretString(name, "v1")
		aws.PutSecretString(name, "v2")
		api := secretAPI(namespace, "versions", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{
			{Name: "pinned", SecretName: "pinned", Key: "TOKEN",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name, VersionID: first}},
			{Name: "previous", SecretName: "previous", Key: "TOKEN",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name, VersionStage: "AWSPREVIOUS"}},
			{Name: "current", SecretName: "current", Key: "TOKEN",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name}},
		}
		create(api)
		waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)
		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "pinned")).To(HaveKeyWithValue("TOKEN", []byte("v1")))
			g.Expect(secretData(g, api, "previous")).To(HaveKeyWithValue("TOKEN", []byte("v1")))
			g.Expect(secretData(g, api, "current")).To(HaveKeyWithValue("TOKEN", []byte("v2")))
		}).Should(Succeed())
	})

	It("rotates a changed value into the Secret and the pod template, and writes nothing otherwise", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "rotating")
		aws.PutSecretString(name, `{"password":"first"}`)
		api := secretAPI(namespace, "rotate", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "db", SecretName: "db", Key: "PASSWORD", Property: "password",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)
		var firstHash string
		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "db")).To(HaveKeyWithValue("PASSWORD", []byte("first")))
			firstHash = podTemplateSecretsHash(g, api)
			g.Expect(firstHash).NotTo(BeEmpty())
		}).Should(Succeed())

		// Unchanged: one DescribeSecret, no value read and no Kubernetes write.
		Consistently(func() map[string]int { return writesInNamespace(namespace) }, time.Second).
			Should(Equal(writesInNamespace(namespace)))
		before := writesInNamespace(namespace)
		describes, reads := aws.Calls("DescribeSecret"), aws.Calls("GetSecretValue")+aws.Calls("BatchGetSecretValue")
		reconciles := reconcileCount()
		refreshNow(api)
		Eventually(func() int { return aws.Calls("DescribeSecret") }).Should(BeNumerically(">", describes))
		Eventually(reconcileCount).Should(BeNumerically(">", reconciles))
		Expect(aws.Calls("GetSecretValue") + aws.Calls("BatchGetSecretValue")).To(Equal(reads))
		Consistently(func() map[string]int { return writesInNamespace(namespace) }, time.Second).
			Should(Equal(before))

		// Changed: the Secret and the pod template follow.
		aws.PutSecretString(name, `{"password":"second"}`)
		refreshNow(api)
		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "db")).To(HaveKeyWithValue("PASSWORD", []byte("second")))
			g.Expect(podTemplateSecretsHash(g, api)).NotTo(Equal(firstHash))
		}).Should(Succeed())
	})

	It("rides out a throttling storm without blanking the Secret", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "throttled")
		aws.PutSecretString(name, "steady")
		api := secretAPI(namespace, "throttle", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "token", SecretName: "token", Key: "TOKEN",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)

		aws.PutSecretString(name, "rotated")
		describes := aws.Calls("DescribeSecret")
		aws.InjectFault(awslocal.Fault{Kind: awslocal.FaultThrottle, Op: "DescribeSecret", Count: 12})
		DeferCleanup(aws.ClearFaults)
		refreshNow(api)
		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "token")).To(HaveKeyWithValue("TOKEN", []byte("rotated")))
		}, time.Minute).Should(Succeed())
		// The SDK retries each call a bounded number of times, and the reconciler
		// backs off between reconciles, so the storm costs a bounded number of calls.
		Expect(aws.Calls("DescribeSecret") - describes).To(BeNumerically("<=", 20))
		Expect(secretData(Default, api, "token")).NotTo(BeEmpty())
	})

	It("reports a secret outside the role's allow list and never shares values between roles", func() {
		namespace := newNamespace()
		shared := uniqueName(namespace, "team-a-only")
		aws.PutSecretString(shared, "team-a-value")

		allowed := secretAPI(namespace, "team-a", shared)
		allowed.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "key", SecretName: "key", Key: "KEY",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: shared},
		}}
		create(allowed)
		waitForCondition(allowed, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)

		// Team B's role may not read the secret that team A's reconcile has cached.
		denied := secretAPI(namespace, "team-b")
		denied.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "stolen", SecretName: "stolen", Key: "KEY",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: shared},
		}}
		create(denied)
		current := waitForCondition(denied, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		synced := condition(current, platformv1alpha1.ConditionSecretsSynced)
		Expect(synced.Message).To(ContainSubstring("spec.secrets[name=stolen]"))
		Expect(synced.Message).To(ContainSubstring("AccessDenied"))
		Expect(condition(current, platformv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "stolen"}, &corev1.Secret{})
		}, time.Second).ShouldNot(Succeed())

		// An instance elsewhere that names team A's role cannot assume it, because the
		// role trusts only team A's ServiceAccount, so the cached value stays out of reach.
		impostor := nginxAPI(newNamespace(), "impostor")
		impostor.Spec.ServiceAccount.RoleARN = allowed.Spec.ServiceAccount.RoleARN
		impostor.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "borrowed", SecretName: "borrowed", Key: "KEY",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: shared},
		}}
		create(impostor)
		current = waitForCondition(impostor, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		Expect(current.Status.Secrets[0].Reason).To(Equal("IdentityRejected"))
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: impostor.Namespace, Name: "borrowed"}, &corev1.Secret{})
		}, time.Second).ShouldNot(Succeed())
	})

	It("keeps the last good value when the secret is deleted", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "doomed")
		aws.PutSecretString(name, "last-good")
		api := secretAPI(namespace, "deleted-remote", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "doomed", SecretName: "doomed", Key: "VALUE",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)

		Expect(aws.DeleteSecret(name)).To(Succeed())
		refreshNow(api)
		current := waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		Expect(condition(current, platformv1alpha1.ConditionSecretsSynced).Message).To(
			ContainSubstring("spec.secrets[name=doomed]"))
		Expect(current.Status.Secrets[0].Reason).To(Equal("Deleted"))
		Expect(secretData(Default, api, "doomed")).To(HaveKeyWithValue("VALUE", []byte("last-good")))
	})

	It("reports a token the endpoint rejects for its audience", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "aud")
		aws.PutSecretString(name, "x")
		api := nginxAPI(namespace, "audience")
		aws.AllowRoleAudience(api.Spec.ServiceAccount.RoleARN, awslocal.ServiceAccountSubject(namespace, "audience"),
			"vault.example.com", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "aud", SecretName: "aud", Key: "X",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		Expect(current.Status.Secrets[0].Reason).To(Equal("IdentityRejected"))
	})

	It("does not take over a Secret it did not create", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "owned")
		aws.PutSecretString(name, "operator-value")
		Expect(k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "handmade", Namespace: namespace},
			StringData: map[string]string{"KEY": "hand"},
		})).To(Succeed())
		api := secretAPI(namespace, "takeover", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "mine", SecretName: "handmade", Key: "KEY",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		Expect(current.Status.Secrets[0].Reason).To(Equal("SecretNotOwned"))
		Expect(secretData(Default, api, "handmade")).To(HaveKeyWithValue("KEY", []byte("hand")))
	})

	It("deletes the Secret of a removed entry", func() {
		namespace := newNamespace()
		name := uniqueName(namespace, "removable")
		aws.PutSecretString(name, "value")
		api := secretAPI(namespace, "removal", name)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{{
			Name: "gone", SecretName: "gone", Key: "K",
			RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: name},
		}}
		create(api)
		waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionTrue)

		updateSpec(api, func(spec *platformv1alpha1.LeadpoetAPISpec) { spec.Secrets = nil })
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "gone"}, &corev1.Secret{})
		}).ShouldNot(Succeed())
	})

	It("never puts a secret value in logs, Events or status", func() {
		namespace := newNamespace()
		const canary = "canary-7f3a9c-do-not-leak"
		good := uniqueName(namespace, "canary")
		notJSON := uniqueName(namespace, "canary-text")
		aws.PutSecretString(good, `{"token":"`+canary+`"}`)
		aws.PutSecretString(notJSON, canary+" is not JSON {")
		api := secretAPI(namespace, "canary", good, notJSON)
		api.Spec.Secrets = []platformv1alpha1.SecretSync{
			{Name: "ok", SecretName: "ok", Key: "T", Property: "token",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: good}},
			{Name: "missing-key", SecretName: "missing", Key: "T", Property: "nope",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: good}},
			{Name: "not-json", SecretName: "notjson", Key: "T", Property: "token",
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: notJSON}},
			{Name: "fan", SecretName: "fan", FanOut: true,
				RemoteRef: platformv1alpha1.RemoteSecretReference{SecretID: notJSON}},
		}
		create(api)
		current := waitForCondition(api, platformv1alpha1.ConditionSecretsSynced, metav1.ConditionFalse)
		Eventually(func(g Gomega) {
			g.Expect(secretData(g, api, "ok")).To(HaveKeyWithValue("T", []byte(canary)))
		}).Should(Succeed())

		var events eventsv1.EventList
		Expect(k8s.List(ctx, &events, client.InNamespace(namespace))).To(Succeed())
		Expect(events.Items).NotTo(BeEmpty())
		for _, event := range events.Items {
			Expect(event.Note).NotTo(ContainSubstring(canary))
		}
		for _, found := range current.Status.Conditions {
			Expect(found.Message).NotTo(ContainSubstring(canary), found.Type)
		}
		for _, entry := range current.Status.Secrets {
			Expect(entry.Message).NotTo(ContainSubstring(canary), entry.Name)
		}
		Expect(strings.Contains(logs.String(), canary)).To(BeFalse(), "a secret value reached the logs")
	})
})
