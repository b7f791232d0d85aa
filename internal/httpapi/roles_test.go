package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// TestRoleMatrix runs every route of the table with a token of every
// role of tenant acme, a token narrowed to another claw, a foreign
// tenant's owner and a revoked token: a role that does not grant the
// route's action gets 403, one that does never gets 401 or 403, a claw
// outside the token's reach or tenant is 404 as a missing one, and a
// revoked token is 401 everywhere.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	ctx := t.Context()
	if _, err := st.CreateTenant(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	sp := claw.Spec{Name: "c", Model: "fake/m"}
	canon, _ := json.Marshal(sp)
	if _, err := st.ApplyClaw(ctx, "acme", sp, canon); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	mk := func(label, tenant string, role claw.TokenRole, claws ...string) {
		secret, tok := NewToken(store.Token{Tenant: tenant, Role: role, Name: label, Claws: claws})
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		secrets[label] = secret
		if label == "revoked" {
			if _, err := st.RevokeToken(ctx, "", tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range claw.TokenRoles {
		tenant := "acme"
		if r == claw.RoleAdmin {
			tenant = claw.DefaultTenant
		}
		mk(string(r), tenant, r)
	}
	mk("narrowed", "acme", claw.RoleInvoker, "other")
	mk("foreign", claw.DefaultTenant, claw.RoleOwner)
	mk("revoked", "acme", claw.RoleOwner)

	s := &Server{Store: st, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(method, path, label string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(""))
		req.Header.Set("Authorization", "Bearer "+secrets[label])
		if label == "admin" {
			req.Header.Set(TenantHeader, "acme")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	fill := strings.NewReplacer("{name}", "c", "{id}", "1", "{session}", "main", "{schedule}", "s",
		"{path...}", "f.txt", "{tenant}", "ghost", "{model}", "c")

	for _, rt := range s.Routes() {
		if rt.Policy == PolicyPublic {
			continue
		}
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok {
			method, path = http.MethodPost, rt.Pattern
		}
		if path == "/v1/" {
			path = "/v1/nothing-here"
		}
		p := fill.Replace(path)
		if method == http.MethodDelete { // nothing real is destroyed mid-matrix
			p = strings.Replace(p, "/claws/c", "/claws/ghost", 1)
			p = strings.Replace(p, "/tokens/1", "/tokens/tok_ghost", 1)
		}
		for _, r := range claw.TokenRoles {
			status, body := do(method, p, string(r))
			switch {
			case !r.Can(rt.Action):
				if status != http.StatusForbidden {
					t.Errorf("%s as %s: %d %s, want 403", rt.Pattern, r, status, body)
				}
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				t.Errorf("%s as %s (grants %s): %d %s", rt.Pattern, r, rt.Action, status, body)
			}
		}
		if status, body := do(method, p, "revoked"); status != http.StatusUnauthorized || !strings.Contains(body, "revoked") {
			t.Errorf("%s with a revoked token: %d %s, want 401 naming the revocation", rt.Pattern, status, body)
		}
		if strings.Contains(rt.Pattern, "{name}") || strings.Contains(rt.Pattern, "{model}") {
			// Another tenant's claw answers as a claw missing from the caller's own tenant.
			missing := strings.Replace(strings.Replace(p, "/claws/c", "/claws/nope", 1), "/models/c", "/models/nope", 1)
			ws, wb := do(method, missing, "owner")
			if status, body := do(method, p, "foreign"); status != ws || strings.Contains(wb, "not_found") != strings.Contains(body, "not_found") {
				t.Errorf("%s with another tenant's owner token: %d %s; a missing claw: %d %s", rt.Pattern, status, body, ws, wb)
			}
			if status, body := do(method, p, "narrowed"); status != http.StatusNotFound && status != http.StatusForbidden {
				t.Errorf("%s with a token narrowed to another claw: %d %s, want 404 (or 403 beyond its role)", rt.Pattern, status, body)
			} else if claw.RoleInvoker.Can(rt.Action) && status != http.StatusNotFound {
				t.Errorf("%s with a token narrowed to another claw: %d, want 404", rt.Pattern, status)
			}
		}
	}

	// A tenant's token cannot pick another tenant; lists show only what it reaches.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/claws", nil)
	req.Header.Set("Authorization", "Bearer "+secrets["owner"])
	req.Header.Set(TenantHeader, claw.DefaultTenant)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an owner naming another tenant: %d, want 403", resp.StatusCode)
	}
	if _, body := do("GET", "/v1/claws", "foreign"); strings.Contains(body, `"c"`) {
		t.Errorf("another tenant's owner lists acme's claw: %s", body)
	}
	if _, body := do("GET", "/v1/models", "narrowed"); strings.Contains(body, `"c"`) {
		t.Errorf("a narrowed token lists a claw it does not reach: %s", body)
	}
}

// TestRevokeEndsOpenRequests: revoking a token through the API makes it
// 401 at once, even though the server had it cached.
func TestRevokeIsImmediate(t *testing.T) {
	t.Parallel()
	st := testStore(t)
	adminSecret, admin := NewToken(store.Token{Tenant: claw.DefaultTenant, Role: claw.RoleAdmin, Name: "admin"})
	if err := st.CreateToken(t.Context(), admin); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&Server{Store: st, Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	call := func(method, path, secret, body string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := call("POST", "/v1/tokens", adminSecret, `{"role":"viewer","name":"v"}`)
	if status != http.StatusCreated {
		t.Fatalf("create token: %d %s", status, body)
	}
	secret := between(body, `"secret": "`, `"`)
	id := between(body, `"id": "`, `"`)
	if status, body := call("GET", "/v1/claws", secret, ""); status != http.StatusOK {
		t.Fatalf("viewer lists claws: %d %s", status, body)
	}
	if status, body := call("POST", "/v1/claws", secret, "name: x\nmodel: fake/m\n"); status != http.StatusForbidden {
		t.Fatalf("viewer applies: %d %s, want 403", status, body)
	}
	if status, body := call("DELETE", "/v1/tokens/"+id, adminSecret, ""); status != http.StatusOK {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if status, body := call("GET", "/v1/claws", secret, ""); status != http.StatusUnauthorized {
		t.Fatalf("revoked viewer lists claws: %d %s, want 401", status, body)
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
