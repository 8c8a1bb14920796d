package policy

import (
	"slices"
	"strings"
)

// TLS13OnlyALBPolicies are the ELB security policies that accept TLS 1.3 only, as listed
// in the Elastic Load Balancing guide, "Security policies for your Application Load
// Balancer" (2025-09 revision). Every other predefined policy also accepts TLS 1.2 or
// older. This list is the one place the operator names them: the LeadpoetAPI rules and
// the Ingress rules both read it.
var TLS13OnlyALBPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
}

// ModernCiphers are the TLS 1.2 cipher suites, in OpenSSL names, that the rules accept:
// ECDHE key exchange with an AEAD cipher (AES-GCM or ChaCha20-Poly1305). OpenSSL pairs
// AES128-GCM only with SHA256 and AES256-GCM only with SHA384, so there are six.
var ModernCiphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305",
	"ECDHE-RSA-CHACHA20-POLY1305",
}

// MinHSTSMaxAgeSeconds is the lowest HSTS max age accepted: one year, the minimum that
// browser preload lists require.
const MinHSTSMaxAgeSeconds int64 = 31536000

// IsTLS13OnlyALBPolicy reports whether name is one of TLS13OnlyALBPolicies.
func IsTLS13OnlyALBPolicy(name string) bool {
	return slices.Contains(TLS13OnlyALBPolicies, name)
}

// IsModernCipher reports whether name is one of ModernCiphers.
func IsModernCipher(name string) bool {
	return slices.Contains(ModernCiphers, name)
}

func albPolicyList() string {
	return strings.Join(TLS13OnlyALBPolicies, ", ")
}

func cipherList() string {
	return strings.Join(ModernCiphers, ", ")
}
