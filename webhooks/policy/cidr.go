package policy

import (
	"fmt"
	"net/netip"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MetadataAddresses are the EC2 instance metadata endpoints, over IPv4 and over IPv6
// (Nitro instances). A pod that reaches them can read the node role's credentials, so
// no rule may open them.
var MetadataAddresses = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
}

// Ranges with fewer prefix bits than these draw a broad-range warning. An IPv4 /8 is
// already 16 million addresses.
const (
	broadIPv4Bits = 8
	broadIPv6Bits = 16
)

// parseCIDR parses a CIDR and returns it masked. An IPv4-mapped IPv6 range
// (::ffff:a.b.c.d/n with n >= 96) is returned as the IPv4 range it spells, so that a
// mapped spelling cannot hide the metadata address.
func parseCIDR(cidr string) (netip.Prefix, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, err
	}
	addr := prefix.Addr()
	if addr.Is4In6() && prefix.Bits() >= 96 {
		prefix = netip.PrefixFrom(addr.Unmap(), prefix.Bits()-96)
	}
	return prefix.Masked(), nil
}

// containsPrefix reports whether outer contains every address of inner.
func containsPrefix(outer, inner netip.Prefix) bool {
	return outer.Addr().Is4() == inner.Addr().Is4() &&
		outer.Bits() <= inner.Bits() &&
		outer.Contains(inner.Addr())
}

func isBroad(prefix netip.Prefix) bool {
	if prefix.Addr().Is4() {
		return prefix.Bits() < broadIPv4Bits
	}
	return prefix.Bits() < broadIPv6Bits
}

// metadataAddressIn returns the first metadata address inside prefix that no entry of
// except covers.
func metadataAddressIn(prefix netip.Prefix, except []netip.Prefix) (netip.Addr, bool) {
	for _, addr := range MetadataAddresses {
		if !prefix.Contains(addr) {
			continue
		}
		excepted := false
		for _, cut := range except {
			if cut.Contains(addr) {
				excepted = true
				break
			}
		}
		if !excepted {
			return addr, true
		}
	}
	return netip.Addr{}, false
}

// cidrDirection is whether a range names destinations (egress) or sources (ingress).
// Only destinations can reach the metadata endpoint.
type cidrDirection int

const (
	destination cidrDirection = iota
	source
)

// validateCIDR checks one address range of a peer. except lists the ranges that a
// NetworkPolicy ipBlock cuts out of it, and exceptPath points at that list. The
// LeadpoetAPI has no such list, so its callers pass nil for both.
func validateCIDR(cidr string, except []string, direction cidrDirection,
	path, exceptPath *field.Path) (field.ErrorList, []string) {
	var errs field.ErrorList
	var warnings []string

	prefix, err := parseCIDR(cidr)
	if err != nil {
		return field.ErrorList{field.Invalid(path, cidr,
			"must be a CIDR such as 10.0.0.0/16")}, nil
	}
	cuts := make([]netip.Prefix, 0, len(except))
	for i, entry := range except {
		cut, err := parseCIDR(entry)
		if err != nil {
			errs = append(errs, field.Invalid(exceptPath.Index(i), entry,
				"must be a CIDR such as 169.254.169.254/32"))
			continue
		}
		cuts = append(cuts, cut)
	}

	if direction == destination {
		if addr, found := metadataAddressIn(prefix, cuts); found {
			errs = append(errs, field.Invalid(path, cidr, metadataDetail(prefix, addr, exceptPath)))
			return errs, warnings
		}
	} else if prefix.Bits() == 0 {
		errs = append(errs, field.Invalid(path, cidr,
			"admits connections from every address; list the source ranges the pods must accept"))
		return errs, warnings
	}

	if isBroad(prefix) {
		warnings = append(warnings, fmt.Sprintf(WarningBroadCIDR, path, cidr))
	}
	return errs, warnings
}

func metadataDetail(prefix netip.Prefix, addr netip.Addr, exceptPath *field.Path) string {
	fix := "use ranges that leave it out"
	if exceptPath != nil {
		fix = fmt.Sprintf("list %s in %s or use ranges that leave it out",
			netip.PrefixFrom(addr, addr.BitLen()), exceptPath)
	}
	if prefix.Bits() == 0 {
		return fmt.Sprintf("allows every address, including the instance metadata endpoint %s, "+
			"which hands out the node's IAM credentials; list the ranges the pods need, or %s",
			addr, fix)
	}
	return fmt.Sprintf("contains the instance metadata endpoint %s, which hands out the "+
		"node's IAM credentials; %s", addr, fix)
}
