package secretsync

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Audience is the aud claim that STS requires of a web identity token on EKS.
const Audience = "sts.amazonaws.com"

const (
	// defaultTokenExpiration is the lifetime requested for ServiceAccount tokens. The
	// token is used once, right away, for AssumeRoleWithWebIdentity.
	defaultTokenExpiration = 10 * time.Minute

	// credentialsExpiryWindow is how long before expiry the session credentials are
	// replaced, so a reconcile never signs with credentials that expire mid-call.
	credentialsExpiryWindow = 5 * time.Minute

	// roleField is the spec field that names the IAM role.
	roleField = "spec.serviceAccount.roleARN"

	// operatorRoleKey is the role part of cache keys for the operator's own
	// credentials. It cannot equal a role ARN, which starts with "arn:".
	operatorRoleKey = "operator-credentials"
)

// TokenSource issues a ServiceAccount token for AssumeRoleWithWebIdentity.
type TokenSource interface {
	// Token returns a token for the ServiceAccount with the audience that expires
	// after about expiration.
	Token(ctx context.Context, namespace, serviceAccount, audience string, expiration time.Duration) (string, error)
}

// KubernetesTokenSource issues tokens through the TokenRequest API
// (serviceaccounts/token). The operator's RBAC role needs create on
// serviceaccounts/token in the instances' namespaces, which the marker below grants.
//
// +kubebuilder:rbac:groups="",resources=serviceaccounts/token,verbs=create
type KubernetesTokenSource struct {
	Client client.Client
}

// Token creates a TokenRequest for the ServiceAccount.
func (k KubernetesTokenSource) Token(ctx context.Context, namespace, serviceAccount, audience string,
	expiration time.Duration) (string, error) {
	seconds := int64(expiration / time.Second)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: serviceAccount}}
	request := &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			Audiences:         []string{audience},
			ExpirationSeconds: &seconds,
		},
	}
	if err := k.Client.SubResource("token").Create(ctx, sa, request); err != nil {
		return "", err
	}
	return request.Status.Token, nil
}

type identityKey struct {
	namespace      string
	serviceAccount string
	roleARN        string
}

// identity is one (namespace, ServiceAccount, role) with its cached session
// credentials and the Secrets Manager client that signs with them.
type identity struct {
	key     identityKey
	roleKey string // roleARN, or operatorRoleKey
	client  *secretsmanager.Client

	syncer *Syncer
	mu     sync.Mutex
	creds  aws.Credentials
}

// Retrieve returns the cached session credentials, or assumes the role anew when they
// expire within credentialsExpiryWindow. It implements aws.CredentialsProvider.
func (id *identity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	id.mu.Lock()
	defer id.mu.Unlock()
	now := id.syncer.now()
	if id.creds.HasKeys() && now.Add(credentialsExpiryWindow).Before(id.creds.Expires) {
		return id.creds, nil
	}
	creds, err := id.assumeRole(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	id.creds = creds
	return creds, nil
}

// invalidate drops the cached credentials, after AWS rejected them.
func (id *identity) invalidate() {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.creds = aws.Credentials{}
}

func (id *identity) assumeRole(ctx context.Context) (aws.Credentials, error) {
	s := id.syncer
	subject := fmt.Sprintf("%s/%s", id.key.namespace, id.key.serviceAccount)
	token, err := s.tokens.Token(ctx, id.key.namespace, id.key.serviceAccount, Audience, s.opts.TokenExpiration)
	if err != nil {
		s.metrics.awsCall("TokenRequest", ReasonTokenRequestFailed)
		return aws.Credentials{}, &Error{
			Reason: ReasonTokenRequestFailed,
			Field:  "spec.serviceAccount",
			Message: fmt.Sprintf("token request for ServiceAccount %s failed (%v); the ServiceAccount must exist "+
				"and the operator needs create on serviceaccounts/token", subject, err),
			Transient: true,
			cause:     err,
		}
	}

	out, err := s.sts.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(id.key.roleARN),
		RoleSessionName:  aws.String(sessionName(id.key)),
		WebIdentityToken: aws.String(token),
	})
	if err != nil {
		e := classifySTSError(id.key, err)
		s.metrics.awsCall("AssumeRoleWithWebIdentity", e.Reason)
		return aws.Credentials{}, e
	}
	s.metrics.awsCall("AssumeRoleWithWebIdentity", outcomeSuccess)
	creds := out.Credentials
	if creds == nil || creds.AccessKeyId == nil || creds.SecretAccessKey == nil || creds.Expiration == nil {
		return aws.Credentials{}, newError(ReasonIdentityRejected, roleField,
			"STS returned no credentials for role %s", id.key.roleARN)
	}
	log.FromContext(ctx).V(1).Info("Assumed IAM role", "role", id.key.roleARN,
		"serviceAccount", subject, "expires", *creds.Expiration)
	return aws.Credentials{
		AccessKeyID:     *creds.AccessKeyId,
		SecretAccessKey: *creds.SecretAccessKey,
		SessionToken:    aws.ToString(creds.SessionToken),
		Source:          "AssumeRoleWithWebIdentity",
		CanExpire:       true,
		Expires:         *creds.Expiration,
	}, nil
}

func classifySTSError(key identityKey, err error) *Error {
	subject := "system:serviceaccount:" + key.namespace + ":" + key.serviceAccount
	code, detail := "", err.Error()
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
		detail = code + ": " + apiErr.ErrorMessage()
	}
	e := &Error{Field: roleField, cause: err}
	switch code {
	case "InvalidIdentityToken", "AccessDenied", "IDPRejectedClaim", "ExpiredTokenException":
		e.Reason = ReasonIdentityRejected
		e.Message = fmt.Sprintf("STS rejected the token of %s for role %s (%s); the role's trust policy must "+
			"allow sts:AssumeRoleWithWebIdentity for the cluster's OIDC provider with sub %q and aud %q",
			subject, key.roleARN, detail, subject, Audience)
	case "Throttling", "ThrottlingException":
		e.Reason = ReasonThrottled
		e.Message = fmt.Sprintf("STS throttled AssumeRoleWithWebIdentity for role %s (%s); the operator retries "+
			"with backoff", key.roleARN, detail)
		e.Transient = true
	default:
		e.Reason = ReasonUnavailable
		e.Message = fmt.Sprintf("AssumeRoleWithWebIdentity for role %s failed (%s); the operator retries with backoff",
			key.roleARN, detail)
		e.Transient = true
	}
	return e
}

var sessionNameInvalid = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName returns the RoleSessionName, which CloudTrail records: the operator's
// name and the ServiceAccount, cut to the 64 characters STS allows.
func sessionName(key identityKey) string {
	name := sessionNameInvalid.ReplaceAllString("leadpoet-operator@"+key.namespace+"."+key.serviceAccount, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
