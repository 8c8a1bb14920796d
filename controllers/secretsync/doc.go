// Package secretsync reads the AWS Secrets Manager values that a LeadpoetAPI's
// spec.secrets entries name, with the instance's own IAM role, for the reconciler to
// write into Kubernetes Secrets.
//
// Identity: for an instance with spec.serviceAccount.roleARN, the Syncer requests a
// 10-minute token for the instance's ServiceAccount with audience sts.amazonaws.com
// through the TokenRequest API. It exchanges the token for session credentials with
// STS AssumeRoleWithWebIdentity and caches them per (namespace, ServiceAccount, role)
// until 5 minutes before they expire. An instance without a
// role fails with ReasonNoCredentials unless Options.AllowOperatorCredentials is set.
//
// Caching: DescribeSecret results and secret values are cached per role, region and
// secret, never shared between roles, in two LRU caches of Options.CacheSize entries.
// Fetch calls DescribeSecret for a secret only when an entry's refresh interval (plus
// up to 10% jitter) has passed, and reads a value only for a version id it has not
// cached, with BatchGetSecretValue when two or more AWSCURRENT versions are missing.
//
// Use from a reconciler:
//
//	syncer, err := secretsync.New(secretsync.Options{Client: mgr.GetClient()})
//	...
//	results := syncer.Fetch(ctx, secretsync.Instance{
//		Namespace:          api.Namespace,
//		Name:               api.Name,
//		ServiceAccountName: serviceAccountName,
//		RoleARN:            api.Spec.ServiceAccount.RoleARN,
//	}, api.Spec.Secrets)
//	for _, r := range results {
//		if r.Err != nil {
//			// Keep the Secret's data; report r.Err.Reason and r.Err.Error() in status
//			// and retry after secretsync.RetryDelay(failures).
//			continue
//		}
//		// Merge r.Data into Secret r.SecretName; record r.VersionID.
//	}
//	// Requeue at the earliest r.NextRefresh; annotate the pod template with
//	// secretsync.HashData(results) when no result failed.
//
// Every AWS call is counted in leadpoet_secretsync_aws_calls_total, every entry in
// leadpoet_secretsync_entries_total, and an instance whose entries all succeeded sets
// leadpoet_secretsync_last_success_timestamp_seconds. No error, log line or metric
// contains any part of a secret value.
package secretsync
