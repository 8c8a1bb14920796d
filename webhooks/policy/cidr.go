package policy

import (
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MetadataAddresses are the AWS link-local endpoints that hand out IAM credentials, so
// no egress rule may open them.
//   - 169.254.169.254 and fd00:ec2::254 (IPv6, Nitro instances): the EC2 instance
//     metadata service, which serves the node role's credentials.
//   - 169.254.170.2: the ECS container credentials endpoint, which serves task role
//     credentials.
//   - 169.254.170.23 and fd00:ec2::23: the EKS Pod Identity Agent, which exchanges a
//     pod's ServiceAccount token for the credentials of that pod's IAM role.
var MetadataAddresses = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("169.254.170.2"),
	netip.MustParseAddr("169.254.170.23"),
	netip.MustParseAddr("fd00:ec2::23"),
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

// metadataAddressesIn returns every metadata address inside prefix that no entry of
// except covers. It returns all of them, not the first, so that one rejection names
// everything a caller must cut out.
func metadataAddressesIn(prefix netip.Prefix, except []netip.Prefix) []netip.Addr {
	var found []netip.Addr
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
			found = append(found, addr)
		}
	}
	return found
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
		if addrs := metadataAddressesIn(prefix, cuts); len(addrs) > 0 {
			errs = append(errs, field.Invalid(path, cidr, metadataDetail(prefix, addrs, exceptPath)))
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

func metadataDetail(prefix netip.Prefix, addrs []netip.Addr, exceptPath *field.Path) string {
	endpoints, hand, them := "the AWS credential endpoint ", "hands", "it"
	if len(addrs) > 1 {
		endpoints, hand, them = "the AWS credential endpoints ", "hand", "them"
	}
	endpoints += joinAddrs(addrs, false)
	fix := "use ranges that leave " + them + " out"
	if exceptPath != nil {
		fix = fmt.Sprintf("list %s in %s or use ranges that leave %s out",
			joinAddrs(addrs, true), exceptPath, them)
	}
	if prefix.Bits() == 0 {
		return fmt.Sprintf("allows every address, including %s, which %s out IAM "+
			"credentials; list the ranges the pods need, or %s", endpoints, hand, fix)
	}
	return fmt.Sprintf("contains %s, which %s out IAM credentials; %s", endpoints, hand, fix)
}

// joinAddrs lists addresses as "a", "a and b" or "a, b and c". asPrefixes writes each
// as a single-address CIDR, the form an except entry takes.
func joinAddrs(addrs []netip.Addr, asPrefixes bool) string {
	words := make([]string, len(addrs))
	for i, addr := range addrs {
		words[i] = addr.String()
		if asPrefixes {
			words[i] = netip.PrefixFrom(addr, addr.BitLen()).String()
		}
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
