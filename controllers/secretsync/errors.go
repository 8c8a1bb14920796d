package secretsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Reasons name why an entry failed. They are CamelCase so the reconciler can copy them
// into SecretSyncStatus.Reason and condition reasons.
const (
	// ReasonAccessDenied means the role may not read the secret or use its KMS key
	// for this call.
	ReasonAccessDenied = "AccessDenied"
	// ReasonNotFound means the secret, or the requested version or stage, does not
	// exist.
	ReasonNotFound = "NotFound"
	// ReasonDeleted means the secret is scheduled for deletion.
	ReasonDeleted = "Deleted"
	// ReasonDecryptionFailed means Secrets Manager could not decrypt the value with
	// its KMS key.
	ReasonDecryptionFailed = "DecryptionFailed"
	// ReasonThrottled means AWS kept throttling after the SDK's retries.
	ReasonThrottled = "Throttled"
	// ReasonUnavailable means AWS returned server errors, timed out or could not be
	// reached after the SDK's retries.
	ReasonUnavailable = "Unavailable"
	// ReasonIdentityRejected means STS rejected the ServiceAccount token for the role.
	ReasonIdentityRejected = "IdentityRejected"
	// ReasonTokenRequestFailed means the Kubernetes API did not issue a token for the
	// ServiceAccount.
	ReasonTokenRequestFailed = "TokenRequestFailed"
	// ReasonNoCredentials means the instance has no role and operator credentials are
	// not allowed.
	ReasonNoCredentials = "NoCredentials"
	// ReasonInvalidSpec means the entry cannot be applied as written, for example two
	// entries write the same key of one Secret.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonInvalidValue means the secret's value does not fit the entry, for example
	// a property that is missing or a value that is not JSON.
	ReasonInvalidValue = "InvalidValue"
	// ReasonTooLarge means the data exceeds what a Kubernetes Secret may contain.
	ReasonTooLarge = "TooLarge"
)

// Error is the failure of one entry. Its text never contains any part of a
// secret value, so it may go into status, events and logs.
type Error struct {
	// Reason is one of the Reason constants.
	Reason string
	// Field is the spec field to look at, such as
	// spec.secrets[name=db].remoteRef.secretID.
	Field string
	// Message states what failed and what to do.
	Message string
	// Transient is true when retrying without any change may succeed, as after
	// throttling or a server error. The reconciler retries every failure with
	// RetryDelay, but may report transient ones less loudly.
	Transient bool

	// cause is the AWS or Kubernetes error, whose text never contains a value either.
	cause error
}

// Error returns "<field>: <message>".
func (e *Error) Error() string {
	return e.Field + ": " + e.Message
}

// Unwrap returns the AWS or Kubernetes error behind e, if any.
func (e *Error) Unwrap() error {
	return e.cause
}

func newError(reason, field, format string, args ...any) *Error {
	return &Error{Reason: reason, Field: field, Message: fmt.Sprintf(format, args...)}
}

// awsCall names the call that failed, for the message of a classified AWS error.
type awsCall struct {
	api      string // GetSecretValue, DescribeSecret, ...
	secretID string
	roleARN  string
	region   string
	field    string // spec field of the secret reference
}

// classifyAWSError turns an error of a Secrets Manager call into an Error with a reason,
// a message naming the secret and role, and the fix.
func classifyAWSError(call awsCall, err error) *Error {
	code, awsMessage := "", ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
		awsMessage = apiErr.ErrorMessage()
	}
	detail := code
	if awsMessage != "" {
		detail += ": " + awsMessage
	}
	principal := "role " + call.roleARN
	var e *Error
	switch {
	case code == "ResourceNotFoundException":
		e = newError(ReasonNotFound, call.field,
			"secret %q not found in region %s (%s); check the name or ARN and the region",
			call.secretID, call.region, detail)
	case code == "AccessDeniedException":
		e = newError(ReasonAccessDenied, call.field,
			"%s may not call %s on secret %q (%s); allow secretsmanager:DescribeSecret, "+
				"secretsmanager:GetSecretValue and secretsmanager:BatchGetSecretValue in the role's IAM policy",
			principal, call.api, call.secretID, detail)
	case code == "DecryptionFailure":
		e = newError(ReasonDecryptionFailed, call.field,
			"Secrets Manager could not decrypt secret %q for %s (%s); allow kms:Decrypt on the secret's KMS key",
			call.secretID, principal, detail)
	case code == "InvalidRequestException" && strings.Contains(awsMessage, "deletion"):
		e = newError(ReasonDeleted, call.field,
			"secret %q is scheduled for deletion (%s); restore it with aws secretsmanager restore-secret, "+
				"or point secretID at another secret", call.secretID, detail)
	case code == "UnrecognizedClientException" || code == "ExpiredTokenException":
		e = newError(ReasonIdentityRejected, "spec.serviceAccount.roleARN",
			"Secrets Manager rejected the session credentials of %s (%s); the operator requests new ones on retry",
			principal, detail)
		e.Transient = true
	case isThrottling(code, err):
		e = newError(ReasonThrottled, call.field,
			"AWS throttled %s for secret %q after the SDK's retries (%s); the operator retries with backoff",
			call.api, call.secretID, detailOr(detail, err))
		e.Transient = true
	case isUnavailable(apiErr, err):
		e = newError(ReasonUnavailable, call.field,
			"%s for secret %q failed (%s); the operator retries with backoff",
			call.api, call.secretID, detailOr(detail, err))
		e.Transient = true
	default:
		e = newError(ReasonUnavailable, call.field, "%s for secret %q failed (%s)",
			call.api, call.secretID, detailOr(detail, err))
		e.Transient = true
	}
	e.cause = err
	return e
}

func isThrottling(code string, err error) bool {
	switch code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded":
		return true
	}
	var quota ratelimit.QuotaExceededError
	return errors.As(err, &quota)
}

func isUnavailable(apiErr smithy.APIError, err error) bool {
	if apiErr != nil && apiErr.ErrorFault() == smithy.FaultServer {
		return true
	}
	var responseErr *smithyhttp.ResponseError
	if errors.As(err, &responseErr) && responseErr.HTTPStatusCode() >= 500 {
		return true
	}
	var sendErr *smithyhttp.RequestSendError
	return errors.As(err, &sendErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// detailOr returns detail, or the error text when there is no AWS error code. SDK
// errors of that kind describe the transport and never contain a value.
func detailOr(detail string, err error) string {
	if detail != "" {
		return detail
	}
	return err.Error()
}

const (
	// retryBase is the first retry delay after a failure.
	retryBase = 5 * time.Second
	// retryCap bounds RetryDelay.
	retryCap = 5 * time.Minute
	// refreshJitter is the largest fraction of the refresh interval added as jitter.
	refreshJitter = 0.1
)

// RetryDelay returns how long the reconciler should wait before retrying after the
// given number of consecutive failures (1 for the first). The delay doubles from 5s
// per failure up to 5m, and a random jitter takes up to a fifth of it away, so that
// instances that failed together do not retry together.
func RetryDelay(failures int) time.Duration {
	if failures < 1 {
		failures = 1
	}
	delay := retryCap
	if failures <= 7 { // 5s << 6 = 320s is already past the cap
		delay = min(retryBase<<(failures-1), retryCap)
	}
	return delay - time.Duration(rand.Float64()*0.2*float64(delay))
}

// RefreshDelay returns the refresh interval plus a random jitter of up to a tenth of
// it, the delay before the next check of an entry for a new version.
func RefreshDelay(interval time.Duration) time.Duration {
	return interval + time.Duration(rand.Float64()*refreshJitter*float64(interval))
}
