package awslocal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	testingclock "k8s.io/utils/clock/testing"
)

const (
	testRole    = "arn:aws:iam::123456789012:role/app"
	testSubject = "system:serviceaccount:team-a:app"
)

func TestMain(m *testing.M) {
	// The SDK must never look for credentials on the instance metadata service.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

// startServer starts a server and returns it with an aws.Config whose retryer waits
// at most 5ms between attempts, so retry tests stay fast.
func startServer(t *testing.T, opts Options) (*Server, aws.Config) {
	t.Helper()
	srv := New(opts)
	if _, err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	cfg := srv.AWSConfig()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 4
			o.MaxBackoff = 5 * time.Millisecond
		})
	}
	return srv, cfg
}

// roleConfig assumes testRole with a token for subject and audience, and returns a
// config that signs with the session credentials.
func roleConfig(cfg aws.Config, subject, audience string) aws.Config {
	stsClient := sts.NewFromConfig(cfg)
	token := Token(subject, audience, time.Now().Add(10*time.Minute))
	provider := stscreds.NewWebIdentityRoleProvider(stsClient, testRole, staticToken(token))
	roleCfg := cfg.Copy()
	roleCfg.Credentials = aws.NewCredentialsCache(provider)
	return roleCfg
}

// staticToken is an stscreds.IdentityTokenRetriever that returns the same token.
type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) {
	return []byte(t), nil
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestGetSecretValueStringAndBinary(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/text", `{"k":"v"}`)
	binary := []byte{0, 1, 2, 0xff, '\n', 0x80}
	srv.PutSecretBinary("app/binary", binary)
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()

	text, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/text")})
	if err != nil {
		t.Fatalf("GetSecretValue(text): %v", err)
	}
	if aws.ToString(text.SecretString) != `{"k":"v"}` {
		t.Errorf("SecretString = %q, want the stored text", aws.ToString(text.SecretString))
	}
	if text.SecretBinary != nil {
		t.Errorf("SecretBinary = %v, want nil for a string secret", text.SecretBinary)
	}

	bin, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(srv.SecretARN("app/binary"))})
	if err != nil {
		t.Fatalf("GetSecretValue(binary by ARN): %v", err)
	}
	if !bytes.Equal(bin.SecretBinary, binary) {
		t.Errorf("SecretBinary = %v, want %v", bin.SecretBinary, binary)
	}
	if bin.SecretString != nil {
		t.Errorf("SecretString = %q, want nil for a binary secret", *bin.SecretString)
	}
}

func TestPutSecretValueMovesStages(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	first := srv.PutSecretString("app/db", "one")
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()

	put, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/db"), SecretString: aws.String("two"),
	})
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	second := aws.ToString(put.VersionId)

	desc, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/db")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	if got := desc.VersionIdsToStages[second]; len(got) != 1 || got[0] != "AWSCURRENT" {
		t.Errorf("stages of the new version = %v, want [AWSCURRENT]", got)
	}
	if got := desc.VersionIdsToStages[first]; len(got) != 1 || got[0] != "AWSPREVIOUS" {
		t.Errorf("stages of the old version = %v, want [AWSPREVIOUS]", got)
	}
	if aws.ToString(desc.ARN) != srv.SecretARN("app/db") {
		t.Errorf("ARN = %q, want %q", aws.ToString(desc.ARN), srv.SecretARN("app/db"))
	}

	previous, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS"),
	})
	if err != nil {
		t.Fatalf("GetSecretValue(AWSPREVIOUS): %v", err)
	}
	if aws.ToString(previous.SecretString) != "one" {
		t.Errorf("AWSPREVIOUS value = %q, want one", aws.ToString(previous.SecretString))
	}
	byID, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("app/db"), VersionId: aws.String(second),
	})
	if err != nil {
		t.Fatalf("GetSecretValue(VersionId): %v", err)
	}
	if aws.ToString(byID.SecretString) != "two" {
		t.Errorf("value by version id = %q, want two", aws.ToString(byID.SecretString))
	}

	list, err := client.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("app/db")})
	if err != nil {
		t.Fatalf("ListSecretVersionIds: %v", err)
	}
	if len(list.Versions) != 2 {
		t.Errorf("ListSecretVersionIds returned %d versions, want 2", len(list.Versions))
	}
}

func TestBatchGetSecretValueReportsErrors(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/a", "a")
	srv.PutSecretString("app/b", "b")
	srv.PutSecretString("other/c", "c")
	srv.AllowRole(testRole, testSubject, "app/a", "app/b", "app/missing")
	client := secretsmanager.NewFromConfig(roleConfig(cfg, testSubject, DefaultAudience))

	out, err := client.BatchGetSecretValue(context.Background(), &secretsmanager.BatchGetSecretValueInput{
		SecretIdList: []string{"app/a", "app/b", "app/missing", "other/c"},
	})
	if err != nil {
		t.Fatalf("BatchGetSecretValue: %v", err)
	}
	if len(out.SecretValues) != 2 {
		t.Fatalf("SecretValues has %d entries, want 2", len(out.SecretValues))
	}
	if aws.ToString(out.SecretValues[1].SecretString) != "b" {
		t.Errorf("second value = %q, want b", aws.ToString(out.SecretValues[1].SecretString))
	}
	codes := map[string]string{}
	for _, e := range out.Errors {
		codes[aws.ToString(e.SecretId)] = aws.ToString(e.ErrorCode)
	}
	if codes["app/missing"] != "ResourceNotFoundException" {
		t.Errorf("error for app/missing = %q, want ResourceNotFoundException", codes["app/missing"])
	}
	if codes["other/c"] != "AccessDeniedException" {
		t.Errorf("error for other/c = %q, want AccessDeniedException", codes["other/c"])
	}
}

func TestBatchGetSecretValueRejectsBadInput(t *testing.T) {
	_, cfg := startServer(t, Options{})
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()

	ids := make([]string, 21)
	for i := range ids {
		ids[i] = "s"
	}
	_, err := client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
	var invalidParam *smtypes.InvalidParameterException
	if !errors.As(err, &invalidParam) {
		t.Errorf("21 secret ids: error = %v, want InvalidParameterException", err)
	}

	_, err = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{
		Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{"app"}}},
	})
	var invalidRequest *smtypes.InvalidRequestException
	if !errors.As(err, &invalidRequest) {
		t.Errorf("Filters: error = %v, want InvalidRequestException", err)
	}
}

func TestRoleAllowListDeniesOtherSecrets(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/a", "a")
	srv.PutSecretString("other/b", "b")
	srv.AllowRole(testRole, testSubject, "app/a")
	client := secretsmanager.NewFromConfig(roleConfig(cfg, testSubject, DefaultAudience))
	ctx := context.Background()

	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")}); err != nil {
		t.Fatalf("GetSecretValue(allowed): %v", err)
	}
	_, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("other/b")})
	if code := apiErrorCode(err); code != "AccessDeniedException" {
		t.Errorf("GetSecretValue(not allowed): code %q (%v), want AccessDeniedException", code, err)
	}
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/a"), SecretString: aws.String("x"),
	}); apiErrorCode(err) != "AccessDeniedException" {
		t.Errorf("PutSecretValue by a role: error = %v, want AccessDeniedException", err)
	}
	if got := srv.RoleCalls(testRole, "GetSecretValue"); got != 2 {
		t.Errorf("RoleCalls(GetSecretValue) = %d, want 2", got)
	}
	if got := srv.Calls("AssumeRoleWithWebIdentity"); got != 1 {
		t.Errorf("Calls(AssumeRoleWithWebIdentity) = %d, want 1", got)
	}
}

func TestAssumeRoleWithWebIdentityChecksClaims(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.AllowRole(testRole, testSubject)
	client := sts.NewFromConfig(cfg)
	ctx := context.Background()
	assume := func(token string) error {
		_, err := client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(testRole), RoleSessionName: aws.String("test"), WebIdentityToken: aws.String(token),
		})
		return err
	}
	valid := time.Now().Add(time.Minute)

	if err := assume(Token(testSubject, DefaultAudience, valid)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	var invalidToken *ststypes.InvalidIdentityTokenException
	if err := assume(Token(testSubject, "other-audience", valid)); !errors.As(err, &invalidToken) {
		t.Errorf("wrong audience: error = %v, want InvalidIdentityTokenException", err)
	}
	if err := assume(Token("system:serviceaccount:team-a:other", DefaultAudience, valid)); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("wrong subject: error = %v, want AccessDenied", err)
	}
	var expired *ststypes.ExpiredTokenException
	if err := assume(Token(testSubject, DefaultAudience, time.Now().Add(-time.Minute))); !errors.As(err, &expired) {
		t.Errorf("expired token: error = %v, want ExpiredTokenException", err)
	}
	if err := assume("not-a-jwt"); !errors.As(err, &invalidToken) {
		t.Errorf("malformed token: error = %v, want InvalidIdentityTokenException", err)
	}
}

func TestSessionCredentialsExpire(t *testing.T) {
	clock := testingclock.NewFakeClock(time.Now())
	srv, cfg := startServer(t, Options{Now: clock.Now, CredentialLifetime: 15 * time.Minute})
	srv.PutSecretString("app/a", "a")
	srv.AllowRole(testRole, testSubject, "app/a")
	out, err := sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(testRole), RoleSessionName: aws.String("test"),
		WebIdentityToken: aws.String(Token(testSubject, DefaultAudience, time.Now().Add(time.Hour))),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if got := aws.ToTime(out.Credentials.Expiration); got.Sub(clock.Now()) > 15*time.Minute+time.Second {
		t.Errorf("Expiration = %v, want 15m after now", got)
	}
	roleCfg := cfg.Copy()
	creds := out.Credentials
	roleCfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: *creds.AccessKeyId, SecretAccessKey: *creds.SecretAccessKey,
			SessionToken: *creds.SessionToken}, nil
	})
	client := secretsmanager.NewFromConfig(roleCfg)

	clock.Step(16 * time.Minute)
	_, err = client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")})
	if code := apiErrorCode(err); code != "ExpiredTokenException" {
		t.Errorf("expired session: code %q (%v), want ExpiredTokenException", code, err)
	}
}

func TestThrottlingIsRetriedBySDK(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/a", "a")
	srv.InjectFault(Fault{Kind: FaultThrottle, Op: "GetSecretValue", Count: 2})
	client := secretsmanager.NewFromConfig(cfg)

	_, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")})
	if err != nil {
		t.Fatalf("GetSecretValue after 2 throttled attempts: %v", err)
	}
	if got := srv.Calls("GetSecretValue"); got != 3 {
		t.Errorf("Calls(GetSecretValue) = %d, want 3 (two throttled, one served)", got)
	}
}

func TestFaultsDecodeIntoTypedErrors(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/a", "a")
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()
	get := func() error {
		_, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")})
		return err
	}

	srv.InjectFault(Fault{Kind: FaultInternalError})
	var internal *smtypes.InternalServiceError
	if err := get(); !errors.As(err, &internal) {
		t.Errorf("5xx: error = %v, want InternalServiceError", err)
	}
	if got := srv.Calls("GetSecretValue"); got != 4 {
		t.Errorf("Calls(GetSecretValue) after a 5xx = %d, want 4 (every attempt of the retryer)", got)
	}
	srv.ClearFaults()

	srv.InjectFault(Fault{Kind: FaultDecryption, SecretID: "app/a", Count: 1})
	var decryption *smtypes.DecryptionFailure
	if err := get(); !errors.As(err, &decryption) {
		t.Errorf("KMS failure: error = %v, want DecryptionFailure", err)
	}

	srv.InjectFault(Fault{Kind: FaultThrottle})
	if err := get(); apiErrorCode(err) != "ThrottlingException" {
		t.Errorf("persistent throttling: error = %v, want ThrottlingException", err)
	}
	srv.ClearFaults()

	if err := srv.DeleteSecret("app/a"); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	var invalidRequest *smtypes.InvalidRequestException
	if err := get(); !errors.As(err, &invalidRequest) {
		t.Errorf("deleted secret: error = %v, want InvalidRequestException", err)
	}
	desc, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/a")})
	if err != nil {
		t.Fatalf("DescribeSecret of a deleted secret: %v", err)
	}
	if desc.DeletedDate == nil {
		t.Errorf("DescribeSecret of a deleted secret: DeletedDate is nil")
	}

	var notFound *smtypes.ResourceNotFoundException
	_, err = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/none")})
	if !errors.As(err, &notFound) {
		t.Errorf("unknown secret: error = %v, want ResourceNotFoundException", err)
	}
}

func TestThrottleRateLimitsCalls(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	srv.PutSecretString("app/a", "a")
	srv.InjectFault(Fault{Kind: FaultThrottle, RatePerSecond: 2})
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	client := secretsmanager.NewFromConfig(cfg)

	throttled := 0
	for range 6 {
		_, err := client.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/a")})
		if apiErrorCode(err) == "ThrottlingException" {
			throttled++
		}
	}
	if throttled < 3 {
		t.Errorf("%d of 6 back-to-back calls were throttled at 2 per second, want at least 3", throttled)
	}
}

func TestSeedFileOfSample(t *testing.T) {
	srv, cfg := startServer(t, Options{})
	if _, err := srv.LoadSeedFile("../../config/samples/awslocal-seed.yaml"); err != nil {
		t.Fatalf("LoadSeedFile: %v", err)
	}
	stsClient := sts.NewFromConfig(cfg)
	out, err := stsClient.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String("arn:aws:iam::123456789012:role/leadpoet-sample"),
		RoleSessionName:  aws.String("seed-test"),
		WebIdentityToken: aws.String(Token("system:serviceaccount:default:leadpoet-sample", DefaultAudience, time.Now().Add(time.Minute))),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity for the sample role: %v", err)
	}
	roleCfg := cfg.Copy()
	roleCfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId,
			SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}, nil
	})
	client := secretsmanager.NewFromConfig(roleCfg)
	for _, name := range []string{"leadpoet/openai", "leadpoet/database"} {
		if _, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}); err != nil {
			t.Errorf("GetSecretValue(%s) as the sample role: %v", name, err)
		}
	}
}

func TestStartRejectsNonLoopback(t *testing.T) {
	srv := New(Options{Addr: "0.0.0.0:0"})
	if _, err := srv.Start(); err == nil {
		srv.Close()
		t.Fatal("Start on 0.0.0.0 succeeded, want an error")
	}
}
