package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Dialer connects on behalf of one claw, within its policy. It is what
// http_fetch dials with and what a sandbox's proxy forwards through.
type Dialer struct {
	Tenant, Claw string
	Policy       Policy
	Resolver     Resolver      // default net.DefaultResolver
	Log          *slog.Logger  // every decision is logged here
	Timeout      time.Duration // connect timeout (default 10s)
}

func (d *Dialer) resolver() Resolver {
	if d.Resolver == nil {
		return net.DefaultResolver
	}
	return d.Resolver
}

// decide checks host:port, logging the decision when via is not empty.
func (d *Dialer) decide(ctx context.Context, via, host string, port int) ([]netip.Addr, error) {
	addrs, err := d.Policy.Check(ctx, d.resolver(), host, port)
	if via != "" && d.Log != nil {
		if err != nil {
			d.Log.Warn("egress denied", "tenant", d.Tenant, "claw", d.Claw, "via", via, "host", host, "port", port, "reason", err.Error())
		} else {
			d.Log.Info("egress allowed", "tenant", d.Tenant, "claw", d.Claw, "via", via, "host", host, "port", port)
		}
	}
	return addrs, err
}

// dial connects to the first of addrs that answers.
func (d *Dialer) dial(ctx context.Context, addrs []netip.Addr, port int) (net.Conn, error) {
	timeout := d.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	nd := &net.Dialer{Timeout: timeout}
	var errs []error
	for _, a := range addrs {
		c, err := nd.DialContext(ctx, "tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func splitPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%w: bad address %q", ErrDenied, addr)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%w: bad port in %q", ErrDenied, addr)
	}
	return host, port, nil
}

// DialContext connects to addr ("host:port") if the policy allows it,
// logging the decision. network must be a TCP network.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d.dialVia(ctx, "dial", network, addr)
}

func (d *Dialer) dialVia(ctx context.Context, via, network, addr string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil, fmt.Errorf("%w: network %q", ErrDenied, network)
	}
	host, port, err := splitPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := d.decide(ctx, via, host, port)
	if err != nil {
		return nil, err
	}
	return d.dial(ctx, addrs, port)
}

// Proxy is an HTTP forward proxy for one claw: absolute-URI requests are
// forwarded, CONNECT is tunnelled; both only within the Dialer's policy.
type Proxy struct {
	Dialer *Dialer
	rp     *httputil.ReverseProxy
}

// NewProxy returns a proxy that connects with d.
func NewProxy(d *Dialer) *Proxy {
	p := &Proxy{Dialer: d}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.dialVia(ctx, "", network, addr) // the handler logged the decision
		},
		MaxIdleConns: 16, IdleConnTimeout: 30 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.Out.URL = r.In.URL; r.Out.Host = r.In.Host },
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			status := http.StatusBadGateway
			if errors.Is(err, ErrDenied) {
				status = http.StatusForbidden
			}
			http.Error(w, "reef egress: "+err.Error(), status)
		},
	}
	return p
}

// ServeHTTP handles one proxied request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		http.Error(w, "reef egress: only absolute http:// URLs and CONNECT are proxied", http.StatusBadRequest)
		return
	}
	port := r.URL.Port()
	if port == "" {
		port = "80"
	}
	host, portN, err := splitPort(net.JoinHostPort(r.URL.Hostname(), port))
	if err == nil {
		_, err = p.Dialer.decide(r.Context(), "http", host, portN)
	}
	if err != nil {
		http.Error(w, "reef egress: "+err.Error(), http.StatusForbidden)
		return
	}
	r.Header.Del("Proxy-Authorization")
	r.Header.Del("Proxy-Connection")
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	up, err := p.Dialer.dialVia(r.Context(), "connect", "tcp", r.Host)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, ErrDenied) {
			status = http.StatusForbidden
		}
		http.Error(w, "reef egress: "+err.Error(), status)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "reef egress: cannot tunnel", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if n := buf.Reader.Buffered(); n > 0 {
		b, _ := buf.Reader.Peek(n)
		up.Write(b)
	}
	splice(down, up)
}

// splice copies both ways until either side is done, then closes both.
func splice(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if c, ok := dst.(interface{ CloseWrite() error }); ok {
			c.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
	a.Close()
	b.Close()
}

// Listener is a proxy served on its own unix socket: the socket is the
// claw's identity, since only that claw's sandbox can reach it.
type Listener struct {
	Path string
	dir  string
	srv  *http.Server
	done chan struct{}
}

// ListenUnix serves p on a new unix socket (mode 0600) in a fresh
// directory (mode 0700) under dir (default os.TempDir()). Close stops it
// and removes the socket.
func ListenUnix(dir string, p *Proxy) (*Listener, error) {
	d, err := os.MkdirTemp(dir, "reef-egress-")
	if err != nil {
		return nil, fmt.Errorf("egress socket dir: %w", err)
	}
	path := filepath.Join(d, "egress.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		os.RemoveAll(d)
		return nil, fmt.Errorf("egress socket: %w", err)
	}
	// Only the owner may connect; a sandbox that connects with another
	// uid gets the socket with Chown.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.RemoveAll(d)
		return nil, fmt.Errorf("egress socket: %w", err)
	}
	l := &Listener{Path: path, dir: d, srv: &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}, done: make(chan struct{})}
	go func() { defer close(l.done); l.srv.Serve(ln) }()
	return l, nil
}

// Chown gives the socket to uid and gid, the only ones (besides root)
// that may then connect.
func (l *Listener) Chown(uid, gid int) error { return os.Chown(l.Path, uid, gid) }

// Close stops serving and removes the socket; tunnels in flight end when
// either side closes (the sandbox's side dies with the sandbox).
func (l *Listener) Close() error {
	err := l.srv.Close()
	<-l.done
	os.RemoveAll(l.dir)
	return err
}
