// Package egress is the node's outbound network gate for tools: an
// allowlist of host:port rules (a claw's sandbox.network), a dialer that
// enforces it on the address it actually connects to, and an HTTP proxy
// (plain requests and CONNECT) that sandboxed processes reach over a
// per-sandbox unix socket. Every request is logged, allowed or denied.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Rule allows one host (or, with a "*." prefix, every subdomain of one
// domain) on one port.
type Rule struct {
	Host string // lower case; an IP literal, a name, or "*.domain"
	Port int
}

func (r Rule) String() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// literal reports whether the rule names an IP address or "localhost":
// only such rules open private, loopback or link-local addresses.
func (r Rule) literal() bool {
	_, err := netip.ParseAddr(r.Host)
	return err == nil || r.Host == "localhost"
}

// ParseRule parses "host:port", "[v6]:port" or "*.domain:port".
func ParseRule(s string) (Rule, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Rule{}, fmt.Errorf("invalid host:port %q: %v", s, strings.TrimPrefix(err.Error(), "address "+s+": "))
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 || strings.TrimLeft(port, "0123456789") != "" || port[0] == '0' {
		return Rule{}, fmt.Errorf("invalid port in %q: want 1 to 65535", s)
	}
	host = strings.ToLower(host)
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return Rule{}, fmt.Errorf("invalid host in %q: zones are not allowed", s)
		}
		return Rule{Host: a.Unmap().String(), Port: p}, nil
	}
	name, wild := strings.CutPrefix(host, "*.")
	if !validName(name) {
		return Rule{}, fmt.Errorf("invalid host in %q: want a DNS name, an IP address or *.domain", s)
	}
	if wild && !strings.Contains(name, ".") {
		return Rule{}, fmt.Errorf("invalid host in %q: a wildcard needs a domain with a dot, such as *.example.com", s)
	}
	return Rule{Host: host, Port: p}, nil
}

// validName checks a DNS name: labels of letters, digits and '-', not
// starting or ending with '-', at most 63 bytes each, 253 in all.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// ParseRules parses a sandbox.network list.
func ParseRules(list []string) ([]Rule, error) {
	out := make([]Rule, 0, len(list))
	var errs []error
	for _, s := range list {
		r, err := ParseRule(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// Policy decides which host:port a claw may reach.
type Policy struct {
	Rules []Rule
}

// Match returns the rule allowing host:port.
func (p Policy) Match(host string, port int) (Rule, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().String()
	}
	for _, r := range p.Rules {
		if r.Port != port {
			continue
		}
		if r.Host == host {
			return r, true
		}
		if d, ok := strings.CutPrefix(r.Host, "*."); ok && strings.HasSuffix(host, "."+d) {
			return r, true
		}
	}
	return Rule{}, false
}

// ErrDenied is wrapped by every refusal of the policy.
var ErrDenied = errors.New("egress denied")

// Internal reports whether a is an address a tool must not reach unless a
// rule names it literally: loopback, private (RFC 1918, fc00::/7), shared
// (100.64/10), link-local (which holds cloud metadata at 169.254.169.254),
// multicast or unspecified.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() ||
		shared.Contains(a) || thisNet.Contains(a) || a == broadcast
}

var (
	shared    = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	broadcast = netip.MustParseAddr("255.255.255.255")
)

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Check decides host:port and returns the addresses that may be dialed,
// resolving names with res. The addresses are checked after resolution,
// and the caller dials exactly them, so a name that resolves to a
// loopback or private address (DNS rebinding) is refused.
func (p Policy) Check(ctx context.Context, res Resolver, host string, port int) ([]netip.Addr, error) {
	rule, ok := p.Match(host, port)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not in the claw's sandbox.network allowlist", ErrDenied, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(rule.Host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		name := strings.TrimSuffix(strings.ToLower(host), ".")
		found, err := res.LookupNetIP(ctx, "ip", name)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", name, err)
		}
		addrs = found
	}
	var ok2 []netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		if Internal(a) && !rule.literal() {
			continue
		}
		ok2 = append(ok2, a)
	}
	if len(ok2) == 0 {
		return nil, fmt.Errorf("%w: %s resolves only to internal addresses (%v); list the address itself to allow it", ErrDenied, host, addrs)
	}
	return ok2, nil
}
