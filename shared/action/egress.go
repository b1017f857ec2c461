package action

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// errAddressRefused is the dial error of an address the egress policy
// refuses; Invoke reports it as HTTP.HostNotAllowed.
var errAddressRefused = errors.New("address not allowed")

// refusedRanges are the addresses an HTTP:Request may not reach outside the
// local development server (reference 7.4, decision 64), besides loopback,
// link-local, private, unspecified and multicast addresses.
var refusedRanges = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),      // shared address space (Alibaba metadata 100.100.100.200)
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64: embeds IPv4 addresses
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64
	netip.MustParsePrefix("2002::/16"),          // 6to4: embeds IPv4 addresses
	netip.MustParsePrefix("2001::/32"),          // Teredo
	netip.MustParsePrefix("fec0::/10"),          // deprecated site-local
	netip.MustParsePrefix("100::/64"),           // discard-only
	netip.MustParsePrefix("2001:db8::/32"),      // documentation
	netip.MustParsePrefix("::ffff:0:0:0/96"),    // IPv4-translated
	netip.MustParsePrefix("192.88.99.0/24"),     // 6to4 relay anycast
	netip.MustParsePrefix("169.254.0.0/16"),     // link-local, cloud metadata (also IsLinkLocalUnicast)
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6 (also private)
	netip.MustParsePrefix("::/128"),             // unspecified
	netip.MustParsePrefix("255.255.255.255/32"), // broadcast
}

// PublicAddress reports whether a may be dialled by an HTTP:Request outside
// the local development server: not loopback, link-local, private (RFC 1918,
// fc00::/7), shared (100.64.0.0/10), unspecified, multicast or another
// special-purpose range. IPv4-mapped IPv6 addresses are judged as IPv4.
func PublicAddress(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsPrivate() || a.IsUnspecified() {
		return false
	}
	for _, p := range refusedRanges {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Resolver looks up the addresses of a host name (net.Resolver does).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// egress dials only addresses its policy permits: public ones, those in
// allow, and any address of a host named in hosts.
type egress struct {
	allow    []netip.Prefix
	hosts    func(hostPort string) bool
	resolver Resolver
	// dial connects to a checked address; dialHost to an allowed host.
	dial, dialHost func(ctx context.Context, network, address string) (net.Conn, error)
}

// newEgress returns the policy of opts, with a net.Resolver and dialers
// (the checked one re-checks in Control) unless opts injects them.
func newEgress(opts HTTPOptions, hosts func(string) bool) *egress {
	e := &egress{allow: opts.AllowRanges, hosts: hosts, resolver: opts.Resolver, dial: opts.Dial, dialHost: opts.Dial}
	if e.resolver == nil {
		e.resolver = net.DefaultResolver
	}
	if e.dial == nil {
		e.dial = (&net.Dialer{Timeout: dialTimeout, Control: e.control}).DialContext
		e.dialHost = (&net.Dialer{Timeout: dialTimeout}).DialContext
	}
	return e
}

// dialTimeout bounds one connection attempt of HTTP:Request.
const dialTimeout = 30 * time.Second

func (e *egress) permits(a netip.Addr) bool {
	if PublicAddress(a) {
		return true
	}
	for _, p := range e.allow {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// DialContext resolves address itself and dials the first permitted address
// it found (so what was checked is what is dialled: a name that later
// resolves elsewhere gains nothing); when none is permitted it returns an
// error wrapping errAddressRefused without dialling.
func (e *egress) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if e.hosts != nil && e.hosts(address) {
		return e.dialHost(ctx, network, address)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = e.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	var refused []string
	for _, a := range addrs {
		if !e.permits(a) {
			refused = append(refused, a.String())
			continue
		}
		return e.dial(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
	}
	return nil, fmt.Errorf("%s resolves to %s: %w", host, strings.Join(refused, ", "), errAddressRefused)
}

// control is a net.Dialer.Control that checks the address about to be
// connected once more, right before the connect system call.
func (e *egress) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, errAddressRefused)
	}
	if !e.permits(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, errAddressRefused)
	}
	return nil
}
