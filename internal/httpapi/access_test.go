package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// TestAccessLog: one line per request with method, route pattern, status,
// duration and the token's name, never the token or the path's names.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	const secret = "reef_secret_for_the_access_log"
	if err := st.CreateToken(t.Context(), store.Token{ID: "tok_ops", Hash: HashToken(secret), Tenant: claw.DefaultTenant, Role: claw.RoleAdmin, Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	var buf syncBuffer
	s := &Server{Store: st, Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/healthz", "/v1/claws/secret-claw-name"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close() // every handler has returned and logged
	lines := buf.lines(t)
	if len(lines) != 2 {
		t.Fatalf("access log has %d lines, want 2: %v", len(lines), lines)
	}
	for i, want := range []struct {
		route  string
		status float64
		token  string
	}{{"GET /healthz", 200, ""}, {"GET /v1/claws/{name}", 404, "ops"}} {
		l := lines[i]
		if l["msg"] != "request" || l["level"] != "INFO" || l["method"] != "GET" || l["route"] != want.route || l["status"] != want.status || l["token"] != want.token {
			t.Errorf("line %d = %v, want route %s status %v token %q", i, l, want.route, want.status, want.token)
		}
		if _, ok := l["duration"]; !ok {
			t.Errorf("line %d has no duration: %v", i, l)
		}
	}
	if log := buf.b.String(); strings.Contains(log, secret) || strings.Contains(log, "secret-claw-name") {
		t.Fatalf("the access log shows the token or the path: %s", log)
	}
}
