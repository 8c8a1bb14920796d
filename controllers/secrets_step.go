package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
	"github.com/leadpoet/leadpoet-operator/controllers/secretsync"
)

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch;delete

// AnnotationRefreshSecrets requests an immediate version check of every spec.secrets
// entry. Set it to a new value, such as the current time, to sync a rotated secret
// without waiting for its refresh interval.
const AnnotationRefreshSecrets = "platform.leadpoet.io/refresh-secrets"

// SecretFetcher reads spec.secrets values from AWS. *secretsync.Syncer implements it.
type SecretFetcher interface {
	Fetch(ctx context.Context, inst secretsync.Instance, entries []platformv1alpha1.SecretSync) []secretsync.Result
	Refresh(inst secretsync.Instance, entries []platformv1alpha1.SecretSync)
	Forget(inst secretsync.Instance)
}

// secretSyncState remembers, per instance, what the next reconcile needs: the identity
// to forget once the instance is gone, and how many reconciles in a row failed, which
// sets the retry delay.
type secretSyncState struct {
	mu        sync.Mutex
	instances map[types.NamespacedName]secretsync.Instance
	failures  map[types.NamespacedName]int
	// refreshRequests holds the last AnnotationRefreshSecrets value acted on.
	refreshRequests map[types.NamespacedName]string
}

// refreshRequested reports whether value is a refresh request not yet acted on, and
// records it as acted on.
func (s *secretSyncState) refreshRequested(key types.NamespacedName, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refreshRequests == nil {
		s.refreshRequests = map[types.NamespacedName]string{}
	}
	if value == "" || s.refreshRequests[key] == value {
		return false
	}
	s.refreshRequests[key] = value
	return true
}

func (s *secretSyncState) remember(key types.NamespacedName, inst secretsync.Instance, failed bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.instances == nil {
		s.instances = map[types.NamespacedName]secretsync.Instance{}
		s.failures = map[types.NamespacedName]int{}
	}
	s.instances[key] = inst
	if failed {
		s.failures[key]++
	} else {
		delete(s.failures, key)
	}
	return s.failures[key]
}

func (s *secretSyncState) forget(key types.NamespacedName) (secretsync.Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, ok := s.instances[key]
	delete(s.instances, key)
	delete(s.failures, key)
	delete(s.refreshRequests, key)
	return inst, ok
}

// reconcileSecrets copies spec.secrets into Secrets the instance owns, deletes the
// Secrets of removed entries, and leaves s.obs.secretsHash for the pod template. A
// failed entry never writes: its Secret keeps the last good value.
func (r *Reconciler) reconcileSecrets(ctx context.Context, s *state) error {
	api := s.api
	if err := r.deleteRemovedSecrets(ctx, s); err != nil {
		return err
	}
	if len(api.Spec.Secrets) == 0 {
		r.secretState.forget(client.ObjectKeyFromObject(api))
		return nil
	}
	s.obs.secretsConfigured = true
	if r.Secrets == nil {
		s.obs.secretFailures = append(s.obs.secretFailures, "secret sync is off in this operator: start it "+
			"with an AWS region configured (AWS_REGION) to sync spec.secrets")
		return nil
	}

	inst := secretsync.Instance{
		Namespace:          api.Namespace,
		Name:               api.Name,
		ServiceAccountName: api.Name,
		RoleARN:            api.Spec.ServiceAccount.RoleARN,
	}
	if r.secretState.refreshRequested(client.ObjectKeyFromObject(api), api.Annotations[AnnotationRefreshSecrets]) {
		log.FromContext(ctx).Info("Checking every secret version now, as requested", "annotation",
			AnnotationRefreshSecrets)
		r.Secrets.Refresh(inst, api.Spec.Secrets)
	}
	results := r.Secrets.Fetch(ctx, inst, api.Spec.Secrets)
	r.checkOwnership(ctx, s, results)

	failed := false
	byTarget := map[string][]secretsync.Result{}
	for _, result := range results {
		byTarget[result.SecretName] = append(byTarget[result.SecretName], result)
		failed = failed || result.Err != nil
	}
	for _, name := range slices.Sorted(maps.Keys(byTarget)) {
		if err := r.applySyncedSecret(ctx, s, name, byTarget[name]); err != nil {
			return err
		}
	}
	r.recordSecretStatus(s, results)

	failures := r.secretState.remember(client.ObjectKeyFromObject(api), inst, failed)
	if failed {
		s.requeueAfter(secretsync.RetryDelay(failures))
		s.obs.secretsHash = s.liveSecretsHash
	} else {
		s.obs.secretsHash = secretsync.HashData(results)
	}
	for _, result := range results {
		if result.Err == nil && !result.NextRefresh.IsZero() {
			s.requeueAfter(time.Until(result.NextRefresh))
		}
	}
	return nil
}

// checkOwnership turns a result into a failure when its target Secret exists but was
// not created by the operator. The check reads metadata only, so the foreign Secret's
// data never reaches the operator.
func (r *Reconciler) checkOwnership(ctx context.Context, s *state, results []secretsync.Result) {
	for i := range results {
		result := &results[i]
		if result.Err != nil || r.APIReader == nil {
			continue
		}
		owned := &corev1.Secret{}
		err := r.Client.Get(ctx, keyOf(s.api, result.SecretName), owned)
		if err == nil && metav1.IsControlledBy(owned, s.api) {
			continue
		}
		metadata := &metav1.PartialObjectMetadata{}
		metadata.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		err = r.APIReader.Get(ctx, keyOf(s.api, result.SecretName), metadata)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err == nil && metav1.IsControlledBy(metadata, s.api) {
			continue
		}
		message := fmt.Sprintf("Secret %q already exists and was not created by this LeadpoetAPI, so it "+
			"is left alone; delete it or set spec.secrets[name=%s].secretName to another name",
			result.SecretName, result.Name)
		if err != nil {
			message = fmt.Sprintf("reading Secret %q failed: %v", result.SecretName, err)
		}
		result.Err = &secretsync.Error{Reason: "SecretNotOwned", Field: fmt.Sprintf(
			"spec.secrets[name=%s].secretName", result.Name), Message: message}
		result.Data = nil
	}
}

// applySyncedSecret writes one target Secret from all entries that fill it, unless one
// of them failed.
func (r *Reconciler) applySyncedSecret(ctx context.Context, s *state, name string, results []secretsync.Result) error {
	data := map[string][]byte{}
	for _, result := range results {
		if result.Err != nil {
			return nil
		}
		maps.Copy(data, result.Data)
	}
	desired := corev1ac.Secret(name, s.api.Namespace).
		WithLabels(childLabels(s.api)).
		WithOwnerReferences(ownerReference(s.api)).
		WithType(corev1.SecretTypeOpaque).
		WithData(data)
	found, wrote, err := applyIfChanged(ctx, r.Client, keyOf(s.api, name), &corev1.Secret{}, desired,
		corev1acExtractSecret)
	return r.recordApply(ctx, s, fmt.Sprintf("Secret %q", name), found, wrote, err)
}

// deleteRemovedSecrets deletes the instance's synced Secrets that no spec.secrets
// entry names any more.
func (r *Reconciler) deleteRemovedSecrets(ctx context.Context, s *state) error {
	desired := map[string]bool{}
	for _, entry := range s.api.Spec.Secrets {
		desired[entry.SecretName] = true
	}
	var secrets corev1.SecretList
	if err := r.Client.List(ctx, &secrets, client.InNamespace(s.api.Namespace),
		client.MatchingLabels(childLabels(s.api))); err != nil {
		return fmt.Errorf("listing synced Secrets: %w", err)
	}
	for i := range secrets.Items {
		secret := &secrets.Items[i]
		if desired[secret.Name] || !metav1.IsControlledBy(secret, s.api) {
			continue
		}
		if err := r.Client.Delete(ctx, secret); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting Secret %q of a removed spec.secrets entry: %w", secret.Name, err)
		}
		log.FromContext(ctx).Info("Deleted the Secret of a removed spec.secrets entry", "secret", secret.Name)
	}
	return nil
}

// recordSecretStatus writes one status entry per spec.secrets entry. A failed entry
// keeps its last version and sync time, because its Secret keeps that data.
func (r *Reconciler) recordSecretStatus(s *state, results []secretsync.Result) {
	previous := map[string]platformv1alpha1.SecretSyncStatus{}
	for _, entry := range s.api.Status.Secrets {
		previous[entry.Name] = entry
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	statuses := make([]platformv1alpha1.SecretSyncStatus, 0, len(results))
	for _, result := range results {
		entry := previous[result.Name]
		entry.Name, entry.SecretName = result.Name, result.SecretName
		if result.Err != nil {
			entry.Reason, entry.Message = result.Err.Reason, result.Err.Error()
			s.obs.secretFailures = append(s.obs.secretFailures, fmt.Sprintf("%s (%s)",
				result.Err.Error(), result.Err.Reason))
		} else {
			if entry.VersionID != result.VersionID || entry.LastSyncTime == nil || entry.Reason != "" {
				entry.LastSyncTime = &now
			}
			entry.VersionID, entry.Reason, entry.Message = result.VersionID, "", ""
		}
		statuses = append(statuses, entry)
	}
	s.secretStatuses = statuses
}
