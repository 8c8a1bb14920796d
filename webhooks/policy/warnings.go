package policy

// Admission warnings for settings that are risky but allowed. Each is a format string
// whose first verb is the field path.
const (
	// WarningBroadCIDR takes the path and the range.
	WarningBroadCIDR = "%s: %s is a very broad range; narrow it to the addresses the pods need"

	// WarningInternetFacing takes the path.
	WarningInternetFacing = "%s: internet-facing puts the API on the public internet; " +
		"use internal unless public clients must reach it"

	// WarningNoWAF takes the scheme path and the WAF field path.
	WarningNoWAF = "%s: an internet-facing ALB without a WAF web ACL enforces no rate limit " +
		"and no body size limit; set %s"

	// WarningHSTSSubDomains takes the path.
	WarningHSTSSubDomains = "%s: false leaves subdomains open to downgrade attacks; " +
		"remove it unless a subdomain must serve plain HTTP"

	// WarningHSTSPreload takes the path.
	WarningHSTSPreload = "%s: false keeps the hosts out of browser preload lists, so a " +
		"browser's first request may use plain HTTP; remove it unless the hosts cannot be preloaded"

	// WarningAutomountToken takes the path.
	WarningAutomountToken = "%s: true mounts a Kubernetes API token into the pods; remove " +
		"it unless the API calls the Kubernetes API"

	// WarningWeakening takes the path, what the change does, the annotation key and the
	// reason given.
	WarningWeakening = "%s: %s; allowed because %s gives the reason %q"

	// WarningDefaultBackend takes the path.
	WarningDefaultBackend = "%s: a default backend receives requests for every host name, " +
		"including hosts no TLS entry covers; route by host rules instead"

	// WarningEgressEveryNamespace takes the path.
	WarningEgressEveryNamespace = "%s: an empty namespaceSelector allows connections to " +
		"pods in every namespace; select the namespaces by label"

	// WarningNonResourceURLWildcard takes the path and the URL.
	WarningNonResourceURLWildcard = "%s: %q grants every matching non-resource URL; list " +
		"the URLs the subject needs"

	// WarningRoleNotFound takes the path and the role.
	WarningRoleNotFound = "%s: %s does not exist yet, so its rules were not checked; " +
		"create the role before the binding"
)
