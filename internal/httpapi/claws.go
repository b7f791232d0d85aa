package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
)

func (s *Server) applyClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	sp, err := spec.Parse(body)
	if err != nil {
		return err
	}
	return s.apply(w, r, tok, sp)
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request, tok store.Token, sp claw.Spec) error {
	sp, err := s.keepSecrets(r.Context(), tok.Tenant, sp)
	if err != nil {
		return err
	}
	if s.ValidateSpec != nil {
		if err := s.ValidateSpec(sp); err != nil {
			return err
		}
	}
	if s.Workspaces != nil {
		if err := s.Workspaces.Check(r.Context(), tok.Tenant, sp, tok.Admin()); err != nil {
			return err
		}
	}
	if err := s.checkApplyQuota(r.Context(), tok.Tenant, sp); err != nil {
		return err
	}
	canon, err := spec.Canonical(sp)
	if err != nil {
		return err
	}
	res, err := s.Store.ApplyClaw(r.Context(), tok.Tenant, sp, canon)
	if err != nil {
		return err
	}
	out := api.ApplyResponse{Version: res.Claw.Version, Claw: maskClaw(s.live(res.Claw))}
	status := http.StatusOK
	switch {
	case res.Created:
		out.Result, status = "created", http.StatusCreated
	case res.Changed:
		out.Result, out.Diff = "updated", maskedDiff(res.Previous, res.Claw.Spec)
		s.Log.Info("claw updated", "tenant", tok.Tenant, "claw", sp.Name, "version", res.Claw.Version)
	default:
		out.Result = "unchanged"
	}
	if res.Unparked {
		s.auditUnpark(r, tok, res.Claw)
	}
	if res.Changed && s.Scheduler != nil {
		s.Scheduler.Wake() // its schedules may have changed
	}
	if res.Changed {
		s.mcpClawsChanged(tok.Tenant)
	}
	if res.Unparked && s.Supervisor != nil {
		// Out of crashloop: its waiting events may run again.
		s.Wake.Notify(claw.Ref{Tenant: tok.Tenant, Name: sp.Name})
	}
	writeJSON(w, status, out)
	return nil
}

// live overlays the claw's live supervision state on this node.
func (s *Server) live(c claw.Claw) claw.Claw {
	if s.Supervisor == nil {
		return c
	}
	if st, ok := s.Supervisor.Status(claw.Ref{Tenant: c.Tenant, Name: c.Name}); ok {
		if !parkedState(c.State) {
			c.State = st.State // an operator's pause shows at once, before its actor has left
		}
		if st.LastError != "" {
			c.LastError = st.LastError
		}
		c.Restarts = max(c.Restarts, st.Restarts)
	}
	return c
}

func (s *Server) listClaws(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	cs, err := s.Store.ListClaws(r.Context(), tok.Tenant)
	if err != nil {
		return err
	}
	cs = slices.DeleteFunc(cs, func(c claw.Claw) bool { return !tok.Reaches(c.Name) })
	awaiting := s.awaiting(r, tok.Tenant, "")
	for i := range cs {
		cs[i] = maskClaw(withApprovals(s.live(cs[i]), awaiting))
	}
	if cs == nil {
		cs = []claw.Claw{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"claws": cs})
	return nil
}

func (s *Server) getClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	c, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maskClaw(withApprovals(s.live(c), s.awaiting(r, tok.Tenant, c.Name))))
	return nil
}

func (s *Server) deleteClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name := r.PathValue("name")
	if err := s.Store.DeleteClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}); err != nil {
		return err
	}
	s.Log.Info("claw deleted", "tenant", tok.Tenant, "claw", name)
	s.clawDeleted(claw.Ref{Tenant: tok.Tenant, Name: name})
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
	return nil
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	vs, err := s.Store.ClawVersions(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")})
	if err != nil {
		return err
	}
	for i := range vs {
		vs[i].Spec = maskSpec(vs[i].Spec)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
	return nil
}

// rollback applies an earlier version's spec as a new version: by default
// the one before the current version.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	var req struct {
		To int `json:"to"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	name := r.PathValue("name")
	c, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name})
	if err != nil {
		return err
	}
	to := req.To
	if to == 0 {
		to = c.Version - 1
	}
	if to < 1 {
		return claw.Errorf(claw.ECONFLICT, "claw %q has no version before v%d", name, c.Version)
	}
	vs, err := s.Store.ClawVersions(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name})
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Version == to {
			return s.apply(w, r, tok, v.Spec)
		}
	}
	return claw.Errorf(claw.ENOTFOUND, "claw %q has no version %s (latest is v%d)", name, strconv.Itoa(to), c.Version)
}

// clawRoutes apply, list, read, delete and roll back claws.
func (s *Server) clawRoutes(t *routeTable) {
	t.token("POST /v1/claws", claw.ActOperate, s.applyClaw)
	t.token("GET /v1/claws", claw.ActRead, s.listClaws)
	t.token("GET /v1/claws/{name}", claw.ActRead, s.getClaw)
	t.token("DELETE /v1/claws/{name}", claw.ActOperate, s.deleteClaw)
	t.token("GET /v1/claws/{name}/versions", claw.ActRead, s.listVersions)
	t.token("POST /v1/claws/{name}/rollback", claw.ActOperate, s.rollback)
}
