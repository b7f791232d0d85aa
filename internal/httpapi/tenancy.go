package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// tenantName is what a tenant may be called: it appears in URLs
// (/hooks/{tenant}/...) and on disk.
var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// tenancyRoutes are the tenants (the node's admin) and the tokens (a
// tenant's owner, or the admin).
func (s *Server) tenancyRoutes(t *routeTable) {
	t.token("POST /v1/tenants", claw.ActNode, s.createTenant)
	t.token("GET /v1/tenants", claw.ActNode, s.listTenants)
	t.token("GET /v1/tenants/{tenant}", claw.ActNode, s.getTenant)
	t.token("PUT /v1/tenants/{tenant}/limits", claw.ActNode, s.setTenantLimits)
	t.token("DELETE /v1/tenants/{tenant}", claw.ActNode, s.deleteTenant)
	t.token("POST /v1/tokens", claw.ActManage, s.createToken)
	t.token("GET /v1/tokens", claw.ActManage, s.listTokens)
	t.token("DELETE /v1/tokens/{id}", claw.ActManage, s.revokeToken)
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	var req api.TenantRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if !tenantName.MatchString(req.Name) {
		return claw.Errorf(claw.EINVALID, "tenant name %q: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit", req.Name)
	}
	tn, err := s.Store.CreateTenant(r.Context(), req.Name)
	if err != nil {
		return err
	}
	s.Log.Info("tenant created", "tenant", tn.Name)
	writeJSON(w, http.StatusCreated, tn)
	return nil
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	ts, err := s.Store.ListTenants(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": ts})
	return nil
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	tn, err := s.Store.GetTenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tn)
	return nil
}

func (s *Server) setTenantLimits(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	var l claw.TenantLimits
	if err := decodeJSON(r, &l); err != nil {
		return err
	}
	if l.MaxClaws < 0 || l.MaxRuns < 0 || l.Rate < 0 || l.MaxMemory < 0 || l.MaxStorage < 0 || l.USDPerMonth < 0 || l.TokensPerDay < 0 {
		return claw.Errorf(claw.EINVALID, "limits cannot be negative (0 means no limit)")
	}
	tn, err := s.Store.SetTenantLimits(r.Context(), r.PathValue("tenant"), l)
	if err != nil {
		return err
	}
	s.rates.forget(tn.Name) // the new rate applies from the next event
	writeJSON(w, http.StatusOK, tn)
	return nil
}

func (s *Server) deleteTenant(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	name := r.PathValue("tenant")
	claws, err := s.Store.ListClaws(r.Context(), name)
	if err != nil {
		return err
	}
	removed, err := s.Store.DeleteTenant(r.Context(), name)
	if err != nil {
		return err
	}
	for _, c := range claws {
		s.clawDeleted(claw.Ref{Tenant: name, Name: c.Name})
	}
	s.forgetTenantTokens(name)
	s.Log.Info("tenant deleted", "tenant", name, "removed", removed)
	writeJSON(w, http.StatusOK, api.TenantDeleted{Tenant: name, Removed: removed})
	return nil
}

// forgetTenantTokens ends what the deleted tenant's tokens have open.
func (s *Server) forgetTenantTokens(tenant string) {
	s.auth.cache.Range(func(k, v any) bool {
		if t := v.(cachedToken).tok; t.Tenant == tenant {
			s.auth.revoked(t)
		}
		return true
	})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	var req api.TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	role, err := claw.ParseTokenRole(string(req.Role))
	if err != nil {
		return err
	}
	if role == claw.RoleAdmin && !tok.Admin() {
		return claw.Errorf(claw.EFORBIDDEN, "only an admin token can create an admin token")
	}
	if role == claw.RoleMetrics && !tok.Admin() {
		return claw.Errorf(claw.EFORBIDDEN, "only an admin token can create a metrics token (metrics are node-wide)")
	}
	if len(tok.Claws) > 0 {
		return claw.Errorf(claw.EFORBIDDEN, "a token narrowed to claws cannot create tokens")
	}
	nt := store.Token{Tenant: tok.Tenant, Role: role, Name: req.Name, Claws: req.Claws}
	for _, c := range req.Claws {
		if c == "" || strings.ContainsAny(c, ", ") {
			return claw.Errorf(claw.EINVALID, "claws: %q is not a claw name", c)
		}
	}
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			return claw.Errorf(claw.EINVALID, "ttl %q: want a positive duration such as 720h", req.TTL)
		}
		nt.ExpiresAt = time.Now().Add(d)
	}
	if nt.Name == "" {
		nt.Name = string(role)
	}
	secret, nt := NewToken(nt)
	if err := s.Store.CreateToken(r.Context(), nt); err != nil {
		return err
	}
	s.Log.Info("token created", "tenant", nt.Tenant, "token", nt.ID, "role", nt.Role, "by", tok.ID)
	writeJSON(w, http.StatusCreated, api.TokenCreated{Token: tokenView(nt), Secret: secret})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	tenant := tok.Tenant
	if tok.Admin() && r.URL.Query().Get("all") == "true" {
		tenant = ""
	}
	ts, err := s.Store.ListTokens(r.Context(), tenant)
	if err != nil {
		return err
	}
	out := make([]api.TokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenView(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	tenant := tok.Tenant
	if tok.Admin() {
		tenant = ""
	}
	t, err := s.Store.RevokeToken(r.Context(), tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.auth.revoked(t)
	s.Log.Info("token revoked", "tenant", t.Tenant, "token", t.ID, "by", tok.ID)
	writeJSON(w, http.StatusOK, tokenView(t))
	return nil
}

func tokenView(t store.Token) api.TokenView {
	v := api.TokenView{ID: t.ID, Tenant: t.Tenant, Role: t.Role, Name: t.Name, Claws: t.Claws, CreatedAt: t.CreatedAt}
	if !t.ExpiresAt.IsZero() {
		v.ExpiresAt = &t.ExpiresAt
	}
	if !t.RevokedAt.IsZero() {
		v.RevokedAt = &t.RevokedAt
	}
	return v
}
