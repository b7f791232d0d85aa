package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// drainState is closed when the node starts draining.
type drainState struct {
	once sync.Once
	mu   sync.Mutex
	ch   chan struct{}
}

func (d *drainState) channel() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

// SetDraining makes the node refuse new work: every POST (messages,
// webhooks, applies, operator actions) answers 503 with Retry-After, and
// ?wait= long polls return the event as it stands. Reads keep working.
func (s *Server) SetDraining() {
	s.drain.once.Do(func() { close(s.drain.channel()) })
}

// Draining reports whether the node is draining.
func (s *Server) Draining() bool {
	select {
	case <-s.drained():
		return true
	default:
		return false
	}
}

func (s *Server) drained() <-chan struct{} { return s.drain.channel() }

func (s *Server) drainGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && s.Draining() {
			w.Header().Set("Retry-After", "5")
			writeError(w, claw.Errorf(claw.EUNAVAILABLE, "node is shutting down; send again to another node or after its restart"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) control(w http.ResponseWriter, r *http.Request, tok store.Token,
	do func(*Server, claw.Ref, string, *http.Request) (claw.Claw, error)) error {
	if s.Supervisor == nil {
		return claw.Errorf(claw.EUNAVAILABLE, "this node runs no claws")
	}
	c, err := do(s, claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")}, tok.Name, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, maskClaw(s.live(c)))
	return nil
}

func (s *Server) pauseClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.control(w, r, tok, func(s *Server, ref claw.Ref, by string, r *http.Request) (claw.Claw, error) {
		return s.Supervisor.Pause(r.Context(), ref, by)
	})
}

func (s *Server) resumeClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.control(w, r, tok, func(s *Server, ref claw.Ref, by string, r *http.Request) (claw.Claw, error) {
		return s.Supervisor.Resume(r.Context(), ref, by)
	})
}

func (s *Server) restartClaw(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.control(w, r, tok, func(s *Server, ref claw.Ref, by string, r *http.Request) (claw.Claw, error) {
		return s.Supervisor.Restart(r.Context(), ref, by)
	})
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return claw.Errorf(claw.EINVALID, "limit must be a number from 1 to 10000")
		}
		limit = n
	}
	recs, err := s.Store.ListAudit(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: r.URL.Query().Get("claw")}, limit)
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []claw.AuditRecord{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": recs})
	return nil
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	all := r.URL.Query().Get("all") == "true"
	as, err := s.Store.ListApprovals(r.Context(), store.ApprovalFilter{Ref: claw.Ref{Tenant: tok.Tenant, Name: r.URL.Query().Get("claw")}, PendingOnly: !all})
	if err != nil {
		return err
	}
	if as == nil {
		as = []claw.Approval{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"approvals": as})
	return nil
}

func (s *Server) approveRun(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.decide(w, r, tok, true)
}

func (s *Server) denyRun(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.decide(w, r, tok, false)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, tok store.Token, approve bool) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return claw.Errorf(claw.EINVALID, "run id must be a positive number")
	}
	var req api.DecisionRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	if len(req.Reason) > 4096 {
		return claw.Errorf(claw.EINVALID, "reason is over 4096 bytes")
	}
	a, err := s.Store.DecideApproval(r.Context(), tok.Tenant, id, store.ApprovalDecision{Approve: approve, Reason: req.Reason, By: tok.Name})
	if err != nil {
		return err
	}
	s.Log.Info("tool call decided", "tenant", tok.Tenant, "claw", a.Claw, "run", a.RunID, "tool", a.Tool, "status", a.Status, "by", tok.Name)
	if s.Supervisor != nil {
		s.Wake.Notify(claw.Ref{Tenant: tok.Tenant, Name: a.Claw})
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// awaiting returns the claws of a tenant with a run awaiting approval.
func (s *Server) awaiting(r *http.Request, tenant, name string) map[string]bool {
	as, err := s.Store.ListApprovals(r.Context(), store.ApprovalFilter{Ref: claw.Ref{Tenant: tenant, Name: name}, PendingOnly: true})
	if err != nil || len(as) == 0 {
		return nil
	}
	out := make(map[string]bool, len(as))
	for _, a := range as {
		out[a.Claw] = true
	}
	return out
}

// withApprovals shows awaiting_approval for claws that would otherwise
// show idle or running while a run waits for a decision.
func withApprovals(c claw.Claw, awaiting map[string]bool) claw.Claw {
	if awaiting[c.Name] && (c.State == claw.StateIdle || c.State == claw.StateRunning) {
		c.State = claw.StateAwaitingApproval
	}
	return c
}

// auditUnpark records that a new spec took a claw out of crashloop. The
// apply is done; a failure to record is logged.
func (s *Server) auditUnpark(r *http.Request, tok store.Token, c claw.Claw) {
	rec := claw.AuditRecord{Tenant: tok.Tenant, Claw: c.Name, Actor: tok.Name, Action: "unpark", Detail: fmt.Sprintf("new spec v%d", c.Version)}
	if err := s.Store.AppendAudit(r.Context(), rec); err != nil {
		s.Log.Error("record unpark", "tenant", tok.Tenant, "claw", c.Name, "err", err)
	}
}

// parkedState reports whether a stored state keeps a claw from running.
func parkedState(st claw.State) bool {
	return st == claw.StatePaused || st == claw.StateDisabled || st == claw.StateCrashloop
}

// supervisionRoutes pause, resume and restart claws, read the audit log
// and decide approvals.
func (s *Server) supervisionRoutes(t *routeTable) {
	t.token("POST /v1/claws/{name}/pause", claw.ActOperate, s.pauseClaw)
	t.token("POST /v1/claws/{name}/resume", claw.ActOperate, s.resumeClaw)
	t.token("POST /v1/claws/{name}/restart", claw.ActOperate, s.restartClaw)
	t.token("GET /v1/audit", claw.ActRead, s.listAudit)
	t.token("GET /v1/approvals", claw.ActRead, s.listApprovals)
	t.token("POST /v1/runs/{id}/approve", claw.ActOperate, s.approveRun)
	t.token("POST /v1/runs/{id}/deny", claw.ActOperate, s.denyRun)
}
