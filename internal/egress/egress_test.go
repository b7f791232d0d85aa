package egress_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/egress"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{in: "api.example.com:443", want: "api.example.com:443"},
		{in: "API.Example.COM:443", want: "api.example.com:443"},
		{in: "*.github.com:443", want: "*.github.com:443"},
		{in: "10.0.0.5:5432", want: "10.0.0.5:5432"},
		{in: "[::1]:8080", want: "[::1]:8080"},
		{in: "[::ffff:127.0.0.1]:80", want: "127.0.0.1:80"},
		{in: "localhost:80", want: "localhost:80"},
		{in: "example.com", err: "missing port"},
		{in: "example.com:", err: "invalid port"},
		{in: "example.com:0", err: "invalid port"},
		{in: "example.com:65536", err: "invalid port"},
		{in: "example.com:+80", err: "invalid port"},
		{in: "example.com:080", err: "invalid port"},
		{in: "exa_mple.com:80", err: "invalid host"},
		{in: "-a.com:80", err: "invalid host"},
		{in: "a..com:80", err: "invalid host"},
		{in: "*.com:80", err: "wildcard needs a domain"},
		{in: "*:80", err: "invalid host"},
		{in: "a.*.com:80", err: "invalid host"},
		{in: "[fe80::1%eth0]:80", err: "zones"},
		{in: ":80", err: "invalid host"},
	}
	for _, tt := range tests {
		r, err := egress.ParseRule(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRule(%q) = %v, %v; want error with %q", tt.in, r, err, tt.err)
			}
			continue
		}
		if err != nil || r.String() != tt.want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", tt.in, r, err, tt.want)
		}
	}
}

// fakeResolver maps names to addresses.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func rules(t *testing.T, list ...string) egress.Policy {
	t.Helper()
	rs, err := egress.ParseRules(list)
	if err != nil {
		t.Fatal(err)
	}
	return egress.Policy{Rules: rs}
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	res := fakeResolver{
		"api.example.com":  {"93.184.216.34"},
		"rebind.evil.com":  {"127.0.0.1"},
		"mixed.evil.com":   {"10.1.2.3", "93.184.216.35"},
		"metadata.sub.com": {"169.254.169.254"},
		"v6.example.com":   {"::1"},
		"a.github.com":     {"140.82.112.3"},
		"localhost":        {"127.0.0.1", "::1"},
	}
	p := rules(t, "api.example.com:443", "rebind.evil.com:443", "mixed.evil.com:443", "metadata.sub.com:80",
		"v6.example.com:443", "*.github.com:443", "127.0.0.1:8080", "localhost:9000", "192.168.1.10:22")
	tests := []struct {
		host  string
		port  int
		want  []string
		error string
	}{
		{host: "api.example.com", port: 443, want: []string{"93.184.216.34"}},
		{host: "API.EXAMPLE.COM.", port: 443, want: []string{"93.184.216.34"}},
		{host: "api.example.com", port: 80, error: "not in the claw's sandbox.network allowlist"},
		{host: "other.com", port: 443, error: "not in the claw's sandbox.network allowlist"},
		{host: "rebind.evil.com", port: 443, error: "resolves only to internal addresses"},
		{host: "mixed.evil.com", port: 443, want: []string{"93.184.216.35"}},
		{host: "metadata.sub.com", port: 80, error: "internal"},
		{host: "v6.example.com", port: 443, error: "internal"},
		{host: "a.github.com", port: 443, want: []string{"140.82.112.3"}},
		{host: "github.com", port: 443, error: "allowlist"},
		{host: "127.0.0.1", port: 8080, want: []string{"127.0.0.1"}},
		{host: "127.0.0.1", port: 8081, error: "allowlist"},
		{host: "localhost", port: 9000, want: []string{"127.0.0.1", "::1"}},
		{host: "192.168.1.10", port: 22, want: []string{"192.168.1.10"}},
		{host: "unknown.github.com", port: 443, error: "no such host"},
	}
	for _, tt := range tests {
		addrs, err := p.Check(t.Context(), res, tt.host, tt.port)
		if tt.error != "" {
			if err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Errorf("Check(%s:%d) = %v, %v; want error with %q", tt.host, tt.port, addrs, err, tt.error)
			}
			continue
		}
		got := fmt.Sprint(addrs)
		if err != nil || got != fmt.Sprint(toAddrs(tt.want)) {
			t.Errorf("Check(%s:%d) = %v, %v; want %v", tt.host, tt.port, addrs, err, tt.want)
		}
	}
}

func toAddrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestInternal(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.0.0.1": true, "172.16.0.1": true, "192.168.0.1": true,
		"169.254.169.254": true, "fe80::1": true, "fc00::1": true, "100.64.0.1": true, "0.0.0.0": true,
		"::": true, "224.0.0.1": true, "255.255.255.255": true, "::ffff:127.0.0.1": true, "0.1.2.3": true,
		"8.8.8.8": false, "2606:4700::1111": false, "93.184.216.34": false, "172.32.0.1": false,
	} {
		if got := egress.Internal(netip.MustParseAddr(s)); got != want {
			t.Errorf("Internal(%s) = %v, want %v", s, got, want)
		}
	}
}

// logBuffer collects log lines.
type logBuffer struct{ bytes.Buffer }

func proxySetup(t *testing.T, allow ...string) (*egress.Listener, *logBuffer) {
	t.Helper()
	var logs logBuffer
	d := &egress.Dialer{Tenant: "t1", Claw: "c1", Policy: rules(t, allow...), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	l, err := egress.ListenUnix(t.TempDir(), egress.NewProxy(d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, &logs
}

// client returns an HTTP client that uses the proxy on its unix socket.
func client(l *egress.Listener) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy"}),
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", l.Path)
		},
	}}
}

func TestProxyHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	l, logs := proxySetup(t, u.Host) // the loopback server is listed by address
	resp, err := client(l).Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello GET /x" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	// Another port of the same host is refused.
	port, _ := strconv.Atoi(u.Port())
	other := fmt.Sprintf("http://127.0.0.1:%d/", port+1)
	resp, err = client(l).Get(other)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "allowlist") {
		t.Fatalf("unlisted port: %d %q", resp.StatusCode, body)
	}
	out := logs.String()
	for _, want := range []string{"egress allowed", "egress denied", "tenant=t1", "claw=c1", "port=" + u.Port(), "host=127.0.0.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestProxyConnect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure hello")
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	l, _ := proxySetup(t, u.Host)
	c := client(l)
	c.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "secure hello" {
		t.Fatalf("body %q", body)
	}
	// CONNECT to a loopback address that is not listed is refused.
	conn, err := net.Dial("unix", l.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")
	r, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("CONNECT 127.0.0.1:22: %d", r.StatusCode)
	}
}

func TestProxyRefusesRebinding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "internal") }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	d := &egress.Dialer{Policy: rules(t, "evil.example:"+u.Port()), Resolver: fakeResolver{"evil.example": {"127.0.0.1"}}}
	_, err := d.DialContext(t.Context(), "tcp", "evil.example:"+u.Port())
	if !errors.Is(err, egress.ErrDenied) {
		t.Fatalf("dial a name resolving to loopback: %v, want ErrDenied", err)
	}
	if _, err := d.DialContext(t.Context(), "udp", "evil.example:"+u.Port()); !errors.Is(err, egress.ErrDenied) {
		t.Fatalf("udp: %v", err)
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"a.io:443", "*.a.io:1", "[::1]:80", "1.2.3.4:65535", "x:0", ":", "[fe80::1%x]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := egress.ParseRule(s)
		if err != nil {
			return
		}
		if r.Port < 1 || r.Port > 65535 || r.Host == "" {
			t.Fatalf("ParseRule(%q) = %+v", s, r)
		}
		back, err := egress.ParseRule(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRule(%q) = %v; its String parses to %v, %v", s, r, back, err)
		}
	})
}
