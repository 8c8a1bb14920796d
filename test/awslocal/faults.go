package awslocal

import (
	"context"
	"slices"
	"time"
)

// FaultKind names a failure that InjectFault can make the server return.
type FaultKind string

const (
	// FaultThrottle returns ThrottlingException (HTTP 400) for Secrets Manager and
	// Throttling for STS, which the SDK retryer treats as a throttling error.
	FaultThrottle FaultKind = "Throttle"

	// FaultInternalError returns InternalServiceError (HTTP 500) for Secrets Manager
	// and InternalFailure (HTTP 500) for STS.
	FaultInternalError FaultKind = "InternalError"

	// FaultAccessDenied returns AccessDeniedException, as a missing IAM permission
	// would. With SecretID set it denies only that secret, also inside
	// BatchGetSecretValue.
	FaultAccessDenied FaultKind = "AccessDenied"

	// FaultDecryption returns DecryptionFailure when a secret value is read, as a KMS
	// key that the caller may not use would.
	FaultDecryption FaultKind = "DecryptionFailure"

	// FaultLatency delays the response by Fault.Latency and then serves it normally.
	FaultLatency FaultKind = "Latency"
)

// Fault describes an injected failure.
type Fault struct {
	// Kind is the failure.
	Kind FaultKind `json:"kind"`

	// Op limits the fault to one operation, such as "GetSecretValue" or
	// "AssumeRoleWithWebIdentity". Empty matches every operation.
	Op string `json:"op,omitempty"`

	// SecretID limits FaultAccessDenied and FaultDecryption to one secret, by name or
	// ARN. Empty matches every secret.
	SecretID string `json:"secretID,omitempty"`

	// Count is how many matching calls fail before the fault removes itself. Zero
	// keeps the fault until ClearFaults.
	Count int `json:"count,omitempty"`

	// RatePerSecond, for FaultThrottle only, lets this many matching calls per second
	// through (a token bucket with a burst of one second's worth) and throttles the
	// rest. Count is ignored when it is set.
	RatePerSecond float64 `json:"ratePerSecond,omitempty"`

	// Latency is the delay of FaultLatency.
	Latency time.Duration `json:"latency,omitempty"`
}

type faultState struct {
	Fault
	remaining int
	tokens    float64
	refilled  time.Time
}

// InjectFault adds a fault. Faults are checked in the order they were added, and the
// first one that fires decides the response.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := &faultState{Fault: f, remaining: f.Count, tokens: f.RatePerSecond, refilled: time.Now()}
	s.faults = append(s.faults, state)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// requestFault returns the first request-level fault (throttling or a server error)
// that fires for op, or nil. It sleeps for latency faults first.
func (s *Server) requestFault(ctx context.Context, op string) *Fault {
	s.sleepLatency(ctx, op)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Kind != FaultThrottle && f.Kind != FaultInternalError {
			continue
		}
		if f.Op != "" && f.Op != op {
			continue
		}
		if s.fireLocked(f) {
			fault := f.Fault
			return &fault
		}
	}
	return nil
}

func (s *Server) sleepLatency(ctx context.Context, op string) {
	s.mu.Lock()
	var delay time.Duration
	// fireLocked may remove a used-up fault from s.faults, so iterate over a copy.
	for _, f := range slices.Clone(s.faults) {
		if f.Kind == FaultLatency && (f.Op == "" || f.Op == op) && s.fireLocked(f) {
			delay += f.Latency
		}
	}
	s.mu.Unlock()
	if delay <= 0 {
		return
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// secretFaultLocked returns the first fault of the kind that fires for a read of sec by
// op, or nil. A fault matches when its Op is empty or op, and its SecretID is empty or
// names sec. A FaultAccessDenied without SecretID denies whole calls instead (see
// opFaultLocked), so it never matches here.
func (s *Server) secretFaultLocked(op string, sec *secret, kind FaultKind) *Fault {
	for _, f := range s.faults {
		if f.Kind != kind || (kind == FaultAccessDenied && f.SecretID == "") {
			continue
		}
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.SecretID != "" && f.SecretID != sec.name && f.SecretID != sec.arn {
			continue
		}
		if s.fireLocked(f) {
			fault := f.Fault
			return &fault
		}
	}
	return nil
}

// opFaultLocked returns a FaultAccessDenied without SecretID that fires for op. It
// denies the whole call, as a missing permission for the action would.
func (s *Server) opFaultLocked(op string) *Fault {
	for _, f := range s.faults {
		if f.Kind != FaultAccessDenied || f.SecretID != "" {
			continue
		}
		if f.Op != "" && f.Op != op {
			continue
		}
		if s.fireLocked(f) {
			fault := f.Fault
			return &fault
		}
	}
	return nil
}

// fireLocked reports whether the fault applies to this call, and uses up one count.
func (s *Server) fireLocked(f *faultState) bool {
	if f.Kind == FaultThrottle && f.RatePerSecond > 0 {
		now := time.Now()
		f.tokens += now.Sub(f.refilled).Seconds() * f.RatePerSecond
		f.tokens = min(f.tokens, max(f.RatePerSecond, 1))
		f.refilled = now
		if f.tokens >= 1 {
			f.tokens--
			return false
		}
		return true
	}
	if f.Count > 0 {
		f.remaining--
		if f.remaining <= 0 {
			s.faults = slices.DeleteFunc(s.faults, func(x *faultState) bool { return x == f })
		}
	}
	return true
}
