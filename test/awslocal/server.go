// Package awslocal serves a small in-memory stand-in for AWS Secrets Manager and STS
// over loopback HTTP, for tests, benchmarks and `make run`. It is never linked into the
// manager binary.
//
// It speaks the wire protocols that aws-sdk-go-v2 uses (AWS JSON 1.1 for Secrets
// Manager, the query protocol with XML responses for STS), so the real SDK clients
// decode its responses into their typed errors and their retryer classifies throttling
// as it would against AWS. Point a client at it with Server.AWSConfig, or set
// AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_STS to Server.URL.
//
// Access control follows the IRSA flow: AssumeRoleWithWebIdentity checks the web
// identity token's aud and sub claims against the role's configuration and issues
// session credentials; each Secrets Manager request is mapped to a role by the access
// key id in its SigV4 Authorization header and may read only the secrets on that
// role's allow list. The root access key (Options.RootAccessKeyID) may read and write
// every secret.
package awslocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultRegion is the region in the ARNs the server issues.
	DefaultRegion = "us-east-1"

	// DefaultAccountID is the account in the ARNs the server issues.
	DefaultAccountID = "123456789012"

	// DefaultRootAccessKeyID is the access key id with full access when
	// Options.RootAccessKeyID is empty.
	DefaultRootAccessKeyID = "AKIAAWSLOCALROOT0000"

	// DefaultRootSecretAccessKey pairs with DefaultRootAccessKeyID. The server does not
	// verify signatures, so any secret key works; this one is what AWSConfig hands out.
	DefaultRootSecretAccessKey = "awslocal-root-secret"

	// DefaultAudience is the audience that STS expects in EKS service account tokens.
	DefaultAudience = "sts.amazonaws.com"

	// maxRequestBody bounds every request body. Secrets Manager accepts secrets up to
	// 64 KiB, so 1 MiB leaves room for base64 and JSON framing.
	maxRequestBody = 1 << 20
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Addr is the listen address. Default: 127.0.0.1:0, a free loopback port.
	Addr string

	// Region and AccountID appear in secret and role ARNs. Defaults: DefaultRegion and
	// DefaultAccountID.
	Region    string
	AccountID string

	// RootAccessKeyID is an access key id that may call every Secrets Manager
	// operation on every secret, like an administrator's. Default:
	// DefaultRootAccessKeyID.
	RootAccessKeyID string

	// CredentialLifetime overrides the DurationSeconds of AssumeRoleWithWebIdentity,
	// so tests can watch credentials expire. Default: the request's DurationSeconds,
	// or one hour.
	CredentialLifetime time.Duration

	// Now returns the current time, for Expiration and DeletedDate and for checking
	// expiry of tokens and credentials. Default: time.Now. Benchmarks that simulate a
	// day pass the same clock to the client under test.
	Now func() time.Time
}

// Server is an in-memory Secrets Manager and STS endpoint. Its methods are safe for
// concurrent use, also while requests are served.
type Server struct {
	opts Options

	mu       sync.Mutex
	secrets  map[string]*secret // by name
	roles    map[string]*role   // by role ARN
	sessions map[string]session // by access key id
	faults   []*faultState
	calls    map[callKey]int

	listener net.Listener
	http     *http.Server
	url      string
}

type callKey struct {
	op   string
	role string
}

// New returns a Server that is not yet listening; call Start.
func New(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.RootAccessKeyID == "" {
		opts.RootAccessKeyID = DefaultRootAccessKeyID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:     opts,
		secrets:  map[string]*secret{},
		roles:    map[string]*role{},
		sessions: map[string]session{},
		calls:    map[callKey]int{},
	}
}

// Start listens on Options.Addr and serves in the background. It returns the base URL,
// such as http://127.0.0.1:41234. It rejects an address that is not a loopback one,
// because the admin API and the root access key have no protection of their own.
func (s *Server) Start() (string, error) {
	addr := s.opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkLoopback(addr); err != nil {
		return "", err
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s failed: %w", addr, err)
	}
	s.listener = listener
	s.url = "http://" + listener.Addr().String()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		// Serve returns http.ErrServerClosed after Close, and nothing else is expected
		// on a loopback listener.
		_ = s.http.Serve(listener)
	}()
	return s.url, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q is invalid: %w; use host:port such as 127.0.0.1:4566", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not a loopback address; use 127.0.0.1 or [::1], "+
			"because the admin API has no authentication", addr)
	}
	return nil
}

// URL returns the base URL after Start, or "" before.
func (s *Server) URL() string {
	return s.url
}

// Close stops serving and closes open connections.
func (s *Server) Close() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
		}
	}
}

// ServeHTTP routes a request to the admin API, Secrets Manager or STS.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	switch {
	case strings.HasPrefix(r.URL.Path, adminPrefix):
		s.serveAdmin(w, r)
	case r.Method != http.MethodPost:
		http.Error(w, "awslocal accepts only POST requests, except under "+adminPrefix, http.StatusMethodNotAllowed)
	case r.Header.Get("X-Amz-Target") != "":
		s.serveSecretsManager(w, r)
	default:
		s.serveSTS(w, r)
	}
}

// Calls returns how many requests for the operation the server received, whatever
// their outcome, including throttled and rejected ones. Operation names are the AWS
// ones, such as "GetSecretValue" or "AssumeRoleWithWebIdentity".
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for key, n := range s.calls {
		if key.op == op {
			total += n
		}
	}
	return total
}

// RoleCalls returns how many requests for the operation were signed with credentials
// of the role. AssumeRoleWithWebIdentity counts under the role it requested.
func (s *Server) RoleCalls(roleARN, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[callKey{op: op, role: roleARN}]
}

// CallCounts returns a copy of every counter as operation -> count.
func (s *Server) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	for key, n := range s.calls {
		counts[key.op] += n
	}
	return counts
}

// ResetCalls sets every counter to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[callKey]int{}
}

func (s *Server) countCall(op, roleARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[callKey{op: op, role: roleARN}]++
}

// apiError is an AWS error code with its HTTP status and message.
type apiError struct {
	code    string
	status  int
	message string
}

func (e *apiError) Error() string {
	return e.code + ": " + e.message
}

func newAPIError(code, format string, args ...any) *apiError {
	status := http.StatusBadRequest
	if code == codeInternalServiceError {
		status = http.StatusInternalServerError
	}
	return &apiError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

func asAPIError(err error) *apiError {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return newAPIError(codeInternalServiceError, "%s", err.Error())
}
