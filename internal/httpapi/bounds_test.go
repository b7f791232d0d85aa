package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// setupBounds serves a Server over a real SQLite store with the given
// body timeout and peer limit; entered receives each counted request's
// remote address.
func setupBounds(t *testing.T, bodyTimeout time.Duration, peerLimit int) (addr string, entered chan string) {
	t.Helper()
	st := testStore(t)
	s := &Server{Store: st, Log: slog.New(slog.DiscardHandler), BodyTimeout: bodyTimeout, PeerLimit: peerLimit}
	entered = make(chan string, 64)
	s.peers.entered = func(a string) { entered <- a }
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), entered
}

// dialFrom connects to addr from the loopback address from (127.0.0.x).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stalledHook sends a webhook request's headers and the start of its
// body, then nothing more.
func stalledHook(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "POST /hooks/c/h HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":"); err != nil {
		t.Fatal(err)
	}
}

// TestSlowBodyCutOff: a client that sends a webhook's headers and then
// trickles its body is answered and disconnected once the body deadline
// passes.
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	addr, _ := setupBounds(t, 200*time.Millisecond, 0)
	c := dialFrom(t, "127.0.0.1", addr)
	start := time.Now()
	stalledHook(t, c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a failing server must not hang the test
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body) // to EOF: the server closes the connection
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not received in time") {
		t.Fatalf("stalled body answered %d %s", resp.StatusCode, body)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection still open after the deadline: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("cut off after %s, want about 200ms", d)
	}
}

// TestBodyDeadlineLiftedAfterBody: once a body is read, the deadline is
// lifted: a handler that outlives it (a ?wait= poll, a stream) keeps its
// request's context.
func TestBodyDeadlineLiftedAfterBody(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	result := make(chan string, 1)
	srv := httptest.NewServer(bodyDeadline(timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		// The time passing is what is tested: the handler outlives the
		// body deadline several times over.
		select {
		case <-r.Context().Done():
			result <- "request context cancelled"
		case <-time.After(4 * timeout):
			result <- "ok"
		}
	})))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-result; got != "ok" {
		t.Fatalf("a handler running past the body deadline: %s", got)
	}
}

// TestPeerLimit: with a limit of 2, a third stalled webhook request from
// one address gets 429 with Retry-After, while another address still
// gets through.
func TestPeerLimit(t *testing.T) {
	t.Parallel()
	addr, entered := setupBounds(t, time.Minute, 2)
	for range 2 {
		stalledHook(t, dialFrom(t, "127.0.0.1", addr))
		if got := <-entered; got != "127.0.0.1" {
			t.Fatalf("counted %s", got)
		}
	}
	get := func(from, path string) *http.Response {
		t.Helper()
		c := dialFrom(t, from, addr)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		return resp
	}
	if resp := get("127.0.0.1", "/healthz"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request from 127.0.0.1: %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := get("127.0.0.2", "/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("request from 127.0.0.2: %d, want 200", resp.StatusCode)
	}
}
