package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// TestWebhookSecretsNeverReturned: every response that carries a spec
// shows a set webhook secret as "(set)"; applying "(set)" back keeps the
// stored secret; "(set)" for a hook without one is refused.
func TestWebhookSecretsNeverReturned(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	if err := st.CreateToken(t.Context(), store.Token{ID: "tok_admin", Hash: HashToken("tok"), Tenant: claw.DefaultTenant, Role: claw.RoleAdmin, Name: "admin"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&Server{Store: st, Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	const secret1, secret2 = "whsec_c2VjcmV0LW9uZS12YWx1ZQ==", "whsec_c2VjcmV0LXR3by12YWx1ZQ=="
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "c2VjcmV0") {
			t.Errorf("%s %s returned a secret's value: %s", method, path, b)
		}
		return resp.StatusCode, string(b)
	}
	specWith := func(secret string) string {
		return "name: hooked\nmodel: fake/m\nwebhooks:\n  - name: gh\n    secret: " + secret + "\n"
	}
	stored := func() string {
		t.Helper()
		c, err := st.GetClaw(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "hooked"})
		if err != nil {
			t.Fatal(err)
		}
		return c.Spec.Webhooks[0].Secret
	}
	steps := []struct {
		name, method, path, body string
		status                   int
		want                     []string // in the body
		stored                   string
	}{
		{"create", "POST", "/v1/claws", specWith(secret1), 201, []string{`"secret": "(set)"`, `"result": "created"`}, secret1},
		{"get", "GET", "/v1/claws/hooked", "", 200, []string{`"secret": "(set)"`}, secret1},
		{"list", "GET", "/v1/claws", "", 200, []string{`"secret": "(set)"`}, secret1},
		{"apply what get showed", "POST", "/v1/claws", specWith(`"(set)"`), 200, []string{`"result": "unchanged"`}, secret1},
		{"change the secret", "POST", "/v1/claws", specWith(secret2), 200, []string{`"result": "updated"`, "webhooks.gh.secret: (changed)"}, secret2},
		{"versions", "GET", "/v1/claws/hooked/versions", "", 200, []string{`"version": 2`, `"secret": "(set)"`}, secret2},
		{"rollback", "POST", "/v1/claws/hooked/rollback", "", 200, []string{`"result": "updated"`, `"secret": "(set)"`}, secret1},
		{"(set) for a hook with no stored secret", "POST", "/v1/claws", specWith(`"(set)"`) + "  - name: other\n    secret: \"(set)\"\n", 422, []string{`no webhook \"other\" with a secret`}, secret1},
	}
	for _, s := range steps {
		status, body := do(s.method, s.path, s.body)
		if status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.name, status, body, s.status)
		}
		for _, w := range s.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body %s lacks %q", s.name, body, w)
			}
		}
		if got := stored(); got != s.stored {
			t.Errorf("%s: the stored secret is %q, want %q", s.name, got, s.stored)
		}
	}
}
