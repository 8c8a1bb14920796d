package awslocal

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
)

type secret struct {
	name         string
	arn          string
	created      time.Time
	lastChanged  time.Time
	deletedDate  *time.Time
	versions     map[string]*version // by version id
	versionOrder []string            // creation order, for ListSecretVersionIds
}

type version struct {
	id      string
	text    *string // SecretString, nil for a binary secret
	binary  []byte  // SecretBinary
	created time.Time
	stages  []string
}

type role struct {
	arn      string
	subject  string
	audience string
	secrets  map[string]bool // secret names
}

type session struct {
	roleARN      string
	sessionToken string
	expires      time.Time
}

// Value is a secret value as seeded or put from Go: exactly one of String and Binary.
type Value struct {
	String *string
	Binary []byte
}

// String returns a Value that holds a SecretString.
func String(text string) Value {
	return Value{String: &text}
}

// Binary returns a Value that holds a SecretBinary. The slice is copied.
func Binary(data []byte) Value {
	return Value{Binary: slices.Clone(data)}
}

// PutSecretString stores text as the new AWSCURRENT version of the secret, creating
// the secret if needed, and returns the new version id.
func (s *Server) PutSecretString(name, text string) string {
	return s.PutSecret(name, String(text))
}

// PutSecretBinary stores data as the new AWSCURRENT version of the secret, creating
// the secret if needed, and returns the new version id.
func (s *Server) PutSecretBinary(name string, data []byte) string {
	return s.PutSecret(name, Binary(data))
}

// PutSecret stores value as the new AWSCURRENT version of the secret, creating the
// secret if needed. The version that was AWSCURRENT becomes AWSPREVIOUS. It returns
// the new version id.
func (s *Server) PutSecret(name string, value Value) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.putLocked(name, value, "", nil, true)
	if err != nil {
		// Only a client request token or a deleted secret can fail, and neither is
		// passed here.
		panic(err)
	}
	return v.id
}

// SecretARN returns the ARN the server gave the secret, or "" if it does not exist.
func (s *Server) SecretARN(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec, ok := s.secrets[name]; ok {
		return sec.arn
	}
	return ""
}

// CurrentVersionID returns the id of the secret's AWSCURRENT version, or "".
func (s *Server) CurrentVersionID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec, ok := s.secrets[name]; ok {
		if v := sec.stageVersion(stageCurrent); v != nil {
			return v.id
		}
	}
	return ""
}

// MoveStage attaches the staging label to the version, removing it from the version
// that had it, as UpdateSecretVersionStage does.
func (s *Server) MoveStage(name, stage, versionID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return fmt.Errorf("secret %q not found", name)
	}
	target, ok := sec.versions[versionID]
	if !ok {
		return fmt.Errorf("version %q of secret %q not found", versionID, name)
	}
	for _, v := range sec.versions {
		v.stages = slices.DeleteFunc(v.stages, func(x string) bool { return x == stage })
	}
	target.stages = append(target.stages, stage)
	sec.lastChanged = s.opts.Now()
	return nil
}

// DeleteSecret marks the secret as scheduled for deletion, as DeleteSecret with a
// recovery window does: DescribeSecret reports DeletedDate and GetSecretValue fails
// with InvalidRequestException until RestoreSecret.
func (s *Server) DeleteSecret(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return fmt.Errorf("secret %q not found", name)
	}
	now := s.opts.Now()
	sec.deletedDate = &now
	return nil
}

// RestoreSecret cancels a scheduled deletion.
func (s *Server) RestoreSecret(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return fmt.Errorf("secret %q not found", name)
	}
	sec.deletedDate = nil
	return nil
}

// AllowRole lets AssumeRoleWithWebIdentity issue credentials for roleARN to a token
// whose sub claim is subject (system:serviceaccount:<namespace>:<name>) and whose aud
// claim contains DefaultAudience, and lets those credentials read the named secrets.
// A second call for the same role replaces the subject and adds the secrets.
func (s *Server) AllowRole(roleARN, subject string, secretNames ...string) {
	s.AllowRoleAudience(roleARN, subject, DefaultAudience, secretNames...)
}

// AllowRoleAudience is AllowRole with an expected audience other than
// DefaultAudience, for tests of a token minted for the wrong audience.
func (s *Server) AllowRoleAudience(roleARN, subject, audience string, secretNames ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roles[roleARN]
	if !ok {
		r = &role{arn: roleARN, secrets: map[string]bool{}}
		s.roles[roleARN] = r
	}
	r.subject = subject
	r.audience = audience
	for _, name := range secretNames {
		r.secrets[name] = true
	}
}

// RevokeSecret removes a secret from the role's allow list.
func (s *Server) RevokeSecret(roleARN, secretName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.roles[roleARN]; ok {
		delete(r.secrets, secretName)
	}
}

// putLocked adds a version. token is the ClientRequestToken, which becomes the version
// id, and stages defaults to AWSCURRENT. create allows a secret that does not exist.
func (s *Server) putLocked(name string, value Value, token string, stages []string, create bool) (*version, error) {
	now := s.opts.Now()
	sec, ok := s.secrets[name]
	if !ok {
		if !create {
			return nil, newAPIError(codeResourceNotFound, "Secrets Manager can't find the specified secret.")
		}
		sec = &secret{
			name:     name,
			arn:      fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", s.opts.Region, s.opts.AccountID, name, randomSuffix()),
			created:  now,
			versions: map[string]*version{},
		}
		s.secrets[name] = sec
	}
	if sec.deletedDate != nil {
		return nil, newAPIError(codeInvalidRequest,
			"You can't perform this operation on the secret because it was marked for deletion.")
	}

	if token == "" {
		token = newVersionID()
	}
	if existing, ok := sec.versions[token]; ok {
		if sameValue(existing, value) {
			return existing, nil
		}
		return nil, newAPIError(codeResourceExists,
			"You can't modify an existing version, you can only create a new version.")
	}

	if len(stages) == 0 {
		stages = []string{stageCurrent}
	}
	v := &version{id: token, created: now}
	if value.String != nil {
		text := *value.String
		v.text = &text
	} else {
		v.binary = slices.Clone(value.Binary)
	}

	for _, stage := range stages {
		previous := sec.stageVersion(stage)
		if previous != nil {
			previous.stages = slices.DeleteFunc(previous.stages, func(x string) bool { return x == stage })
		}
		if stage == stageCurrent && previous != nil {
			for _, old := range sec.versions {
				old.stages = slices.DeleteFunc(old.stages, func(x string) bool { return x == stagePrevious })
			}
			previous.stages = append(previous.stages, stagePrevious)
		}
		v.stages = append(v.stages, stage)
	}
	sec.versions[v.id] = v
	sec.versionOrder = append(sec.versionOrder, v.id)
	sec.lastChanged = now
	return v, nil
}

func sameValue(v *version, value Value) bool {
	if v.text != nil || value.String != nil {
		return v.text != nil && value.String != nil && *v.text == *value.String
	}
	return slices.Equal(v.binary, value.Binary)
}

func (sec *secret) stageVersion(stage string) *version {
	for _, v := range sec.versions {
		if slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

// lookupLocked finds a secret by name or by full ARN.
func (s *Server) lookupLocked(id string) (*secret, error) {
	if sec, ok := s.secrets[id]; ok {
		return sec, nil
	}
	if strings.HasPrefix(id, "arn:") {
		for _, sec := range s.secrets {
			if sec.arn == id {
				return sec, nil
			}
		}
	}
	return nil, newAPIError(codeResourceNotFound, "Secrets Manager can't find the specified secret.")
}

// newVersionID returns a UUID-shaped random id, as Secrets Manager generates.
func newVersionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomSuffix returns the six characters that Secrets Manager appends to a secret's
// name in its ARN.
func randomSuffix() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

func randomUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
