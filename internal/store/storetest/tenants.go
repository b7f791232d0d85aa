package storetest

import (
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

func testTokens(t *testing.T, s store.Store) {
	has, err := s.HasAdminToken(ctx(t))
	if err != nil || has {
		t.Fatalf("HasAdminToken on fresh store = %v, %v", has, err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Microsecond).UTC()
	toks := []store.Token{
		{ID: "tok_a", Hash: "h1", Tenant: claw.DefaultTenant, Role: claw.RoleAdmin, Name: "admin"},
		{ID: "tok_b", Hash: "h2", Tenant: claw.DefaultTenant, Role: claw.RoleInvoker, Name: "bot", Claws: []string{"a", "b"}, ExpiresAt: exp},
	}
	for _, tok := range toks {
		if err := s.CreateToken(ctx(t), tok); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := s.LookupToken(ctx(t), "h1")
	if err != nil || !tok.Admin() || tok.ID != "tok_a" || tok.Tenant != claw.DefaultTenant || tok.Name != "admin" || tok.CreatedAt.IsZero() {
		t.Fatalf("LookupToken = %+v, %v", tok, err)
	}
	tok, err = s.LookupToken(ctx(t), "h2")
	if err != nil || tok.Role != claw.RoleInvoker || len(tok.Claws) != 2 || tok.Claws[1] != "b" || !tok.ExpiresAt.Equal(exp) || !tok.RevokedAt.IsZero() {
		t.Fatalf("LookupToken(invoker) = %+v, %v", tok, err)
	}
	if !tok.Reaches("a") || tok.Reaches("c") {
		t.Fatalf("Reaches: a=%v c=%v", tok.Reaches("a"), tok.Reaches("c"))
	}
	_, err = s.LookupToken(ctx(t), "nope")
	wantCode(t, err, claw.ENOTFOUND)
	if has, _ := s.HasAdminToken(ctx(t)); !has {
		t.Fatal("HasAdminToken = false after creating one")
	}
	if err := s.CreateToken(ctx(t), store.Token{ID: "tok_c", Hash: "h3", Tenant: claw.DefaultTenant, Role: "root"}); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("CreateToken with an unknown role = %v, want EINVALID", err)
	}
	list, err := s.ListTokens(ctx(t), claw.DefaultTenant)
	if err != nil || len(list) != 2 || list[0].ID != "tok_a" || list[1].ID != "tok_b" {
		t.Fatalf("ListTokens = %+v, %v", list, err)
	}
}

func testTokenRevoke(t *testing.T, s store.Store) {
	if err := s.EnsureTenant(ctx(t), "acme"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []store.Token{
		{ID: "tok_admin", Hash: "h0", Tenant: claw.DefaultTenant, Role: claw.RoleAdmin},
		{ID: "tok_acme", Hash: "h1", Tenant: "acme", Role: claw.RoleOwner},
	} {
		if err := s.CreateToken(ctx(t), tok); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.RevokeToken(ctx(t), claw.DefaultTenant, "tok_acme")
	wantCode(t, err, claw.ENOTFOUND) // another tenant's token is not there
	got, err := s.RevokeToken(ctx(t), "acme", "tok_acme")
	if err != nil || got.RevokedAt.IsZero() || got.Hash != "h1" {
		t.Fatalf("RevokeToken = %+v, %v", got, err)
	}
	again, err := s.RevokeToken(ctx(t), "", "tok_acme")
	if err != nil || !again.RevokedAt.Equal(got.RevokedAt) {
		t.Fatalf("second RevokeToken = %+v, %v (want the first time kept)", again, err)
	}
	if tok, err := s.LookupToken(ctx(t), "h1"); err != nil || tok.RevokedAt.IsZero() {
		t.Fatalf("LookupToken of a revoked token = %+v, %v", tok, err)
	}
	if all, err := s.ListTokens(ctx(t), ""); err != nil || len(all) != 2 {
		t.Fatalf("ListTokens(all) = %d, %v", len(all), err)
	}
	if _, err := s.RevokeToken(ctx(t), "", "tok_admin"); err != nil {
		t.Fatal(err)
	}
	if has, _ := s.HasAdminToken(ctx(t)); has {
		t.Fatal("HasAdminToken counts a revoked admin token")
	}
}

func testTenants(t *testing.T, s store.Store) {
	def, err := s.GetTenant(ctx(t), claw.DefaultTenant)
	if err != nil || def.Name != claw.DefaultTenant {
		t.Fatalf("the default tenant = %+v, %v", def, err)
	}
	a, err := s.CreateTenant(ctx(t), "acme")
	if err != nil || a.Name != "acme" || a.CreatedAt.IsZero() || a.Limits != (claw.TenantLimits{}) {
		t.Fatalf("CreateTenant = %+v, %v", a, err)
	}
	_, err = s.CreateTenant(ctx(t), "acme")
	wantCode(t, err, claw.ECONFLICT)
	_, err = s.GetTenant(ctx(t), "nope")
	wantCode(t, err, claw.ENOTFOUND)
	l := claw.TenantLimits{MaxClaws: 3, MaxRuns: 2, Rate: 1.5, MaxMemory: 2 << 30, MaxStorage: 1 << 30, USDPerMonth: 50, TokensPerDay: 1000}
	a, err = s.SetTenantLimits(ctx(t), "acme", l)
	if err != nil || a.Limits != l {
		t.Fatalf("SetTenantLimits = %+v, %v", a, err)
	}
	_, err = s.SetTenantLimits(ctx(t), "nope", l)
	wantCode(t, err, claw.ENOTFOUND)
	list, err := s.ListTenants(ctx(t))
	if err != nil || len(list) != 2 || list[0].Name != "acme" || list[1].Name != claw.DefaultTenant || list[0].Limits != l {
		t.Fatalf("ListTenants = %+v, %v", list, err)
	}
}

func testDeleteTenant(t *testing.T, s store.Store) {
	if _, err := s.CreateTenant(ctx(t), "acme"); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"acme", claw.DefaultTenant} {
		mustApply(t, s, tenant, "a", "p/m1")
		if _, _, err := s.Enqueue(ctx(t), claw.Ref{Tenant: tenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "k", Session: "main", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateToken(ctx(t), store.Token{ID: "tok_1", Hash: "h1", Tenant: "acme", Role: claw.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	removed, err := s.DeleteTenant(ctx(t), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if removed["claws"] != 1 || removed["events"] != 1 || removed["tokens"] != 1 {
		t.Fatalf("DeleteTenant removed %v, want a claw, an event and a token", removed)
	}
	_, err = s.GetTenant(ctx(t), "acme")
	wantCode(t, err, claw.ENOTFOUND)
	_, err = s.GetClaw(ctx(t), claw.Ref{Tenant: "acme", Name: "a"})
	wantCode(t, err, claw.ENOTFOUND)
	_, err = s.LookupToken(ctx(t), "h1")
	wantCode(t, err, claw.ENOTFOUND)
	if _, err := s.GetClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}); err != nil {
		t.Fatalf("the other tenant's claw went too: %v", err)
	}
	_, err = s.DeleteTenant(ctx(t), "acme")
	wantCode(t, err, claw.ENOTFOUND)
	_, err = s.DeleteTenant(ctx(t), claw.DefaultTenant)
	wantCode(t, err, claw.ECONFLICT)
	if _, err := s.CreateTenant(ctx(t), "acme"); err != nil {
		t.Fatalf("re-creating a deleted tenant: %v", err)
	}
}
