package awslocal

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

	defaultSessionDuration = time.Hour
	minSessionDuration     = 15 * time.Minute
	maxSessionDuration     = 12 * time.Hour
)

// STS error codes. STS returns AccessDenied without the Exception suffix, unlike
// Secrets Manager.
const (
	codeSTSInvalidIdentityToken = "InvalidIdentityToken"
	codeSTSAccessDenied         = "AccessDenied"
	codeSTSExpiredToken         = "ExpiredTokenException"
	codeSTSThrottling           = "Throttling"
	codeSTSInternalFailure      = "InternalFailure"
	codeSTSInvalidAction        = "InvalidAction"
	codeSTSValidation           = "ValidationError"
)

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type assumeRoleWithWebIdentityResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
		Audience                    string          `xml:"Audience"`
		AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
		Credentials                 stsCredentials  `xml:"Credentials"`
		Provider                    string          `xml:"Provider"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type stsErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// tokenClaims are the JWT claims that AssumeRoleWithWebIdentity checks. aud may be a
// string or a list of strings.
type tokenClaims struct {
	Issuer   string          `json:"iss"`
	Subject  string          `json:"sub"`
	Audience json.RawMessage `json:"aud"`
	Expiry   *float64        `json:"exp"`
}

func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeSTSError(w, newAPIError(codeSTSValidation, "request body is not a valid form: %v", err))
		return
	}
	action := r.PostForm.Get("Action")
	roleARN := r.PostForm.Get("RoleArn")
	s.countCall(action, roleARN)

	if fault := s.requestFault(r.Context(), action); fault != nil {
		if fault.Kind == FaultThrottle {
			writeSTSError(w, newAPIError(codeSTSThrottling, "Rate exceeded"))
		} else {
			writeSTSError(w, &apiError{code: codeSTSInternalFailure, status: http.StatusInternalServerError,
				message: "An internal error occurred."})
		}
		return
	}
	if action != "AssumeRoleWithWebIdentity" {
		writeSTSError(w, newAPIError(codeSTSInvalidAction,
			"awslocal serves only the STS action AssumeRoleWithWebIdentity, not %q", action))
		return
	}

	resp, err := s.assumeRoleWithWebIdentity(r)
	if err != nil {
		writeSTSError(w, asAPIError(err))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(resp)
}

// assumeRoleWithWebIdentity checks the token against the role and issues session
// credentials.
//
// NOTE: the token's signature is not verified, because the server does not know the
// cluster's service account issuer keys. Only its aud, sub and exp claims are checked.
func (s *Server) assumeRoleWithWebIdentity(r *http.Request) (*assumeRoleWithWebIdentityResponse, error) {
	roleARN := r.PostForm.Get("RoleArn")
	sessionName := r.PostForm.Get("RoleSessionName")
	token := r.PostForm.Get("WebIdentityToken")
	if roleARN == "" || sessionName == "" || token == "" {
		return nil, newAPIError(codeSTSValidation, "RoleArn, RoleSessionName and WebIdentityToken are required")
	}
	lifetime, err := s.sessionLifetime(r.PostForm.Get("DurationSeconds"))
	if err != nil {
		return nil, err
	}
	claims, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	if claims.Expiry != nil && now.After(time.Unix(int64(*claims.Expiry), 0)) {
		return nil, newAPIError(codeSTSExpiredToken, "Token expired: current date/time %s must be before the expiration date/time",
			now.UTC().Format(time.RFC3339))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rl, ok := s.roles[roleARN]
	if !ok {
		return nil, newAPIError(codeSTSAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	if !claims.hasAudience(rl.audience) {
		return nil, newAPIError(codeSTSInvalidIdentityToken, "Incorrect token audience")
	}
	if claims.Subject != rl.subject {
		return nil, newAPIError(codeSTSAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}

	accessKeyID := "ASIA" + randomUpper(16)
	sess := session{
		roleARN:      roleARN,
		sessionToken: "awslocal-session-" + randomUpper(32),
		expires:      now.Add(lifetime),
	}
	s.sessions[accessKeyID] = sess

	resp := &assumeRoleWithWebIdentityResponse{Xmlns: stsNamespace, RequestID: newVersionID()}
	resp.Result.SubjectFromWebIdentityToken = claims.Subject
	resp.Result.Audience = rl.audience
	resp.Result.Provider = claims.Issuer
	resp.Result.AssumedRoleUser = assumedRoleUser{
		Arn:           strings.TrimSuffix(assumedRoleARN(roleARN), "/awslocal") + "/" + sessionName,
		AssumedRoleID: "AROA" + randomUpper(17) + ":" + sessionName,
	}
	resp.Result.Credentials = stsCredentials{
		AccessKeyID:     accessKeyID,
		SecretAccessKey: randomUpper(40),
		SessionToken:    sess.sessionToken,
		Expiration:      sess.expires.UTC().Format(time.RFC3339),
	}
	return resp, nil
}

func (s *Server) sessionLifetime(durationSeconds string) (time.Duration, error) {
	if s.opts.CredentialLifetime > 0 {
		return s.opts.CredentialLifetime, nil
	}
	if durationSeconds == "" {
		return defaultSessionDuration, nil
	}
	seconds, err := strconv.Atoi(durationSeconds)
	lifetime := time.Duration(seconds) * time.Second
	if err != nil || lifetime < minSessionDuration || lifetime > maxSessionDuration {
		return 0, newAPIError(codeSTSValidation,
			"DurationSeconds %q is invalid; it must be an integer from 900 to 43200", durationSeconds)
	}
	return lifetime, nil
}

// parseToken decodes the claims of a JWT without verifying its signature.
func parseToken(token string) (*tokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, newAPIError(codeSTSInvalidIdentityToken, "The web identity token is not a JWT: it must have three dot-separated parts")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, newAPIError(codeSTSInvalidIdentityToken, "The web identity token's payload is not base64url")
	}
	var claims tokenClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, newAPIError(codeSTSInvalidIdentityToken, "The web identity token's payload is not a JSON object of claims")
	}
	return &claims, nil
}

func (c *tokenClaims) hasAudience(audience string) bool {
	var single string
	if json.Unmarshal(c.Audience, &single) == nil {
		return single == audience
	}
	var list []string
	if json.Unmarshal(c.Audience, &list) == nil {
		return slices.Contains(list, audience)
	}
	return false
}

func writeSTSError(w http.ResponseWriter, e *apiError) {
	body := stsErrorResponse{Xmlns: stsNamespace, RequestID: newVersionID()}
	body.Error.Type = "Sender"
	if e.status >= http.StatusInternalServerError {
		body.Error.Type = "Receiver"
	}
	body.Error.Code = e.code
	body.Error.Message = e.message
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(body)
}

// Token returns an unsigned JWT with the given sub and aud claims that expires at
// expires, for tests that call AssumeRoleWithWebIdentity without a Kubernetes API
// server. The server does not verify signatures, so the signature part is a
// placeholder.
func Token(subject, audience string, expires time.Time) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://awslocal.invalid",
		"sub": subject,
		"aud": []string{audience},
		"exp": expires.Unix(),
	})
	payload := base64.RawURLEncoding.EncodeToString(claims)
	return header + "." + payload + ".unsigned"
}

// ServiceAccountSubject returns the sub claim of a Kubernetes service account token.
func ServiceAccountSubject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}
