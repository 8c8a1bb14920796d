package awslocal

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

const adminPrefix = "/_admin/"

// AdminRoutes lists the admin API for help output. Every route takes and returns JSON.
var AdminRoutes = []string{
	`POST   /_admin/secrets          {"name": "...", "secretString": "..."} or {"name": "...", "secretBinary": "<base64>"}: put a new AWSCURRENT version`,
	`POST   /_admin/secrets/delete   {"name": "..."}: schedule the secret for deletion`,
	`POST   /_admin/secrets/restore  {"name": "..."}: cancel a scheduled deletion`,
	`POST   /_admin/roles            {"roleARN": "...", "subject": "system:serviceaccount:<ns>:<name>", "secrets": ["..."]}: allow a role`,
	`POST   /_admin/faults           {"kind": "Throttle", "op": "GetSecretValue", "count": 3, "latency": "200ms"}: inject a fault`,
	`DELETE /_admin/faults           remove every fault`,
	`GET    /_admin/calls            call counts by operation`,
}

type adminSecretRequest struct {
	Name         string  `json:"name"`
	SecretString *string `json:"secretString,omitempty"`
	SecretBinary *string `json:"secretBinary,omitempty"`
}

type adminRoleRequest struct {
	RoleARN  string   `json:"roleARN"`
	Subject  string   `json:"subject"`
	Audience string   `json:"audience,omitempty"`
	Secrets  []string `json:"secrets"`
}

type adminFaultRequest struct {
	Kind          FaultKind `json:"kind"`
	Op            string    `json:"op,omitempty"`
	SecretID      string    `json:"secretID,omitempty"`
	Count         int       `json:"count,omitempty"`
	RatePerSecond float64   `json:"ratePerSecond,omitempty"`
	Latency       string    `json:"latency,omitempty"`
}

// serveAdmin serves the admin API, which lets a person rotate a value or inject a
// fault by hand against a running awslocal.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	var out any
	var err error
	switch route {
	case "POST /_admin/secrets":
		out, err = s.adminPutSecret(r)
	case "POST /_admin/secrets/delete":
		out, err = s.adminSecretState(r, s.DeleteSecret)
	case "POST /_admin/secrets/restore":
		out, err = s.adminSecretState(r, s.RestoreSecret)
	case "POST /_admin/roles":
		out, err = s.adminAllowRole(r)
	case "POST /_admin/faults":
		out, err = s.adminInjectFault(r)
	case "DELETE /_admin/faults":
		s.ClearFaults()
		out = map[string]string{"status": "cleared"}
	case "GET /_admin/calls":
		out = s.CallCounts()
	default:
		writeAdmin(w, http.StatusNotFound, map[string]any{"error": "unknown admin route " + route, "routes": AdminRoutes})
		return
	}
	if err != nil {
		writeAdmin(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeAdmin(w, http.StatusOK, out)
}

func (s *Server) adminPutSecret(r *http.Request) (any, error) {
	var req adminSecretRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	if req.Name == "" {
		return nil, fmt.Errorf("name is missing")
	}
	var value Value
	switch {
	case req.SecretString != nil && req.SecretBinary == nil:
		value = String(*req.SecretString)
	case req.SecretBinary != nil && req.SecretString == nil:
		data, err := base64.StdEncoding.DecodeString(*req.SecretBinary)
		if err != nil {
			return nil, fmt.Errorf("secretBinary is not valid base64: %w", err)
		}
		value = Binary(data)
	default:
		return nil, fmt.Errorf("set exactly one of secretString and secretBinary")
	}
	id := s.PutSecret(req.Name, value)
	return map[string]string{"name": req.Name, "arn": s.SecretARN(req.Name), "versionID": id}, nil
}

func (s *Server) adminSecretState(r *http.Request, change func(string) error) (any, error) {
	var req adminSecretRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	if err := change(req.Name); err != nil {
		return nil, err
	}
	return map[string]string{"name": req.Name}, nil
}

func (s *Server) adminAllowRole(r *http.Request) (any, error) {
	var req adminRoleRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	if req.RoleARN == "" || req.Subject == "" {
		return nil, fmt.Errorf("roleARN and subject are required")
	}
	if req.Audience == "" {
		req.Audience = DefaultAudience
	}
	s.AllowRoleAudience(req.RoleARN, req.Subject, req.Audience, req.Secrets...)
	return req, nil
}

func (s *Server) adminInjectFault(r *http.Request) (any, error) {
	var req adminFaultRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	fault := Fault{Kind: req.Kind, Op: req.Op, SecretID: req.SecretID, Count: req.Count, RatePerSecond: req.RatePerSecond}
	switch req.Kind {
	case FaultThrottle, FaultInternalError, FaultAccessDenied, FaultDecryption:
	case FaultLatency:
		latency, err := time.ParseDuration(req.Latency)
		if err != nil || latency <= 0 {
			return nil, fmt.Errorf("latency %q is invalid; use a positive Go duration such as 250ms", req.Latency)
		}
		fault.Latency = latency
	default:
		return nil, fmt.Errorf("kind %q is invalid; use one of %s, %s, %s, %s, %s", req.Kind,
			FaultThrottle, FaultInternalError, FaultAccessDenied, FaultDecryption, FaultLatency)
	}
	s.InjectFault(fault)
	return req, nil
}

func writeAdmin(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body)
}
