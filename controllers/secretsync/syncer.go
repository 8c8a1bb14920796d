package secretsync

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/utils/lru"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

const (
	// DefaultRefreshInterval applies to entries without refreshInterval.
	DefaultRefreshInterval = time.Hour

	defaultCacheSize   = 4096
	defaultMaxAttempts = 5
	defaultMaxBackoff  = 20 * time.Second
)

// Options configures a Syncer.
type Options struct {
	// Client issues ServiceAccount tokens through the TokenRequest API. Required
	// unless TokenSource is set.
	Client client.Client

	// TokenSource overrides Client as the source of ServiceAccount tokens, for tests.
	TokenSource TokenSource

	// AWSConfig is the base AWS configuration: region, endpoints, HTTP client and, when
	// AllowOperatorCredentials is true, the operator's own credentials. Default:
	// config.LoadDefaultConfig, which reads AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER,
	// AWS_ENDPOINT_URL_STS and the rest of the standard environment.
	AWSConfig *aws.Config

	// AllowOperatorCredentials lets instances without spec.serviceAccount.roleARN read
	// secrets with the operator's own credentials. Default: false, so every instance
	// reads only what its own role may read.
	AllowOperatorCredentials bool

	// CacheSize bounds the number of cached secret versions and, separately, of cached
	// DescribeSecret results. Default: 4096. Values are held in memory only. Because
	// Secrets Manager limits a value to 64 KiB, a full cache of 4096 holds at most
	// 256 MiB of values, and typical secrets are far smaller.
	CacheSize int

	// TokenExpiration is the lifetime requested for ServiceAccount tokens. Default: 10m.
	// The API server may raise it to its minimum of 10m.
	TokenExpiration time.Duration

	// MaxAttempts and MaxBackoff configure the SDK's standard retryer for each AWS
	// call. Defaults: 5 attempts and 20s. Throttling and server errors are retried.
	MaxAttempts int
	MaxBackoff  time.Duration

	// Now returns the current time, for refresh intervals and credential expiry.
	// Default: time.Now.
	Now func() time.Time
}

// Instance is the identity whose secrets Fetch reads.
type Instance struct {
	// Namespace and Name are the LeadpoetAPI's. Name labels the last-success metric.
	Namespace string
	Name      string
	// ServiceAccountName is the ServiceAccount whose token is exchanged for the role.
	ServiceAccountName string
	// RoleARN is spec.serviceAccount.roleARN. Empty uses the operator's credentials
	// when Options.AllowOperatorCredentials is true, and fails every entry otherwise.
	RoleARN string
}

// Result is the outcome of one spec.secrets entry.
type Result struct {
	// Name and SecretName are the entry's name and target Secret.
	Name       string
	SecretName string
	// Data is the content to write into the target Secret, nil when Err is set.
	Data map[string][]byte
	// VersionID is the Secrets Manager version copied.
	VersionID string
	// NextRefresh is when Fetch will next ask AWS whether the version changed: the
	// refresh interval plus up to 10% jitter after the last check. Zero when Err is set.
	NextRefresh time.Time
	// Err is the entry's failure, or nil. The reconciler keeps the Secret's previous
	// data on failure.
	Err *Error

	// selection identifies what the entry copies, for HashData.
	selection string
}

// Syncer reads secrets from AWS Secrets Manager for many instances. It is safe for
// concurrent use and meant to be shared by all reconciles of the manager.
type Syncer struct {
	opts    Options
	cfg     aws.Config
	tokens  TokenSource
	sts     *sts.Client
	metrics recorder

	mu         sync.Mutex
	identities map[identityKey]*identity
	describes  *lru.Cache // describeKey -> *describeEntry
	values     *lru.Cache // valueKey -> *secretValue
}

// New returns a Syncer. It fails when no AWS region is configured or no token source
// is given.
func New(opts Options) (*Syncer, error) {
	if opts.CacheSize <= 0 {
		opts.CacheSize = defaultCacheSize
	}
	if opts.TokenExpiration <= 0 {
		opts.TokenExpiration = defaultTokenExpiration
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = defaultMaxAttempts
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = defaultMaxBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	var cfg aws.Config
	if opts.AWSConfig != nil {
		cfg = opts.AWSConfig.Copy()
	} else {
		loaded, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration failed: %w", err)
		}
		cfg = loaded
	}
	if cfg.Region == "" {
		return nil, errors.New("AWS region is missing; set AWS_REGION to the region of the secrets")
	}
	maxAttempts, maxBackoff := opts.MaxAttempts, opts.MaxBackoff
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
		})
	}

	tokens := opts.TokenSource
	if tokens == nil {
		if opts.Client == nil {
			return nil, errors.New("secretsync.Options: Client is missing; pass the manager's client, " +
				"which issues ServiceAccount tokens")
		}
		tokens = KubernetesTokenSource{Client: opts.Client}
	}

	// AssumeRoleWithWebIdentity is unsigned. Anonymous credentials keep the STS client
	// from resolving the operator's own credentials, or asking the instance metadata
	// service for them, when the operator is not allowed to use them.
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = aws.AnonymousCredentials{}
	})

	return &Syncer{
		opts:       opts,
		cfg:        cfg,
		tokens:     tokens,
		sts:        stsClient,
		identities: map[identityKey]*identity{},
		describes:  lru.New(opts.CacheSize),
		values:     lru.New(opts.CacheSize),
	}, nil
}

func (s *Syncer) now() time.Time {
	return s.opts.Now()
}

// identityFor returns the cached identity of the instance, creating it without any
// network call.
func (s *Syncer) identityFor(inst Instance) (*identity, *Error) {
	if inst.RoleARN == "" && !s.opts.AllowOperatorCredentials {
		return nil, newError(ReasonNoCredentials, roleField,
			"roleARN is missing; set the IAM role whose policy allows reading these secrets")
	}
	if inst.RoleARN != "" && (inst.Namespace == "" || inst.ServiceAccountName == "") {
		return nil, newError(ReasonInvalidSpec, "spec.serviceAccount",
			"the instance's namespace or ServiceAccount name is missing, so no token can be requested")
	}

	key := identityKey{namespace: inst.Namespace, serviceAccount: inst.ServiceAccountName, roleARN: inst.RoleARN}
	if inst.RoleARN == "" {
		key = identityKey{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.identities[key]; ok {
		return id, nil
	}

	id := &identity{key: key, roleKey: inst.RoleARN, syncer: s}
	if inst.RoleARN == "" {
		id.roleKey = operatorRoleKey
		id.client = secretsmanager.NewFromConfig(s.cfg)
	} else {
		id.client = secretsmanager.NewFromConfig(s.cfg, func(o *secretsmanager.Options) {
			o.Credentials = id
		})
	}
	s.identities[key] = id
	return id, nil
}

// Forget drops the instance's cached credentials and its last-success metric. Call it
// when the instance is deleted. Cached secret versions stay until evicted, because
// other instances with the same role may use them.
func (s *Syncer) Forget(inst Instance) {
	s.mu.Lock()
	delete(s.identities, identityKey{namespace: inst.Namespace, serviceAccount: inst.ServiceAccountName, roleARN: inst.RoleARN})
	s.mu.Unlock()
	s.metrics.forget(inst.Namespace, inst.Name)
}

// entryField returns the path of the entry in the spec, such as spec.secrets[name=db].
func entryField(entry v1alpha1.SecretSync) string {
	return fmt.Sprintf("spec.secrets[name=%s]", entry.Name)
}

func refreshInterval(entry v1alpha1.SecretSync) time.Duration {
	if entry.RefreshInterval != nil && entry.RefreshInterval.Duration > 0 {
		return entry.RefreshInterval.Duration
	}
	return DefaultRefreshInterval
}

// Refresh makes the next Fetch for inst ask AWS for the current version of every
// entry's secret, whatever its refresh interval. Cached values stay: a version id
// never changes value, so only a new version costs a value read.
func (s *Syncer) Refresh(inst Instance, entries []v1alpha1.SecretSync) {
	role := inst.RoleARN
	if role == "" {
		role = operatorRoleKey
	}
	for _, entry := range entries {
		s.describes.Remove(describeKey{role: role, region: s.cfg.Region, secretID: entry.RemoteRef.SecretID})
	}
}
