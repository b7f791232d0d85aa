package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsfs"
)

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	list, err := s.Store.ListSessions(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")}, 0)
	if err != nil {
		return err
	}
	if list == nil {
		list = []claw.SessionInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name, session := r.PathValue("name"), r.PathValue("session")
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return claw.Errorf(claw.EINVALID, "limit must be a positive number")
		}
		limit = n
	}
	if _, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}); err != nil {
		return err
	}
	msgs, err := s.Store.SessionMessages(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, session, limit)
	if err != nil {
		return err
	}
	sums, err := s.Store.SessionSummaries(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, session)
	if err != nil {
		return err
	}
	if len(msgs) == 0 && len(sums) == 0 {
		return claw.Errorf(claw.ENOTFOUND, "session %q of claw %q not found", session, name)
	}
	v := api.SessionView{Session: session, Messages: msgs, Summaries: sums}
	if v.Messages == nil {
		v.Messages = []claw.Message{}
	}
	if v.Summaries == nil {
		v.Summaries = []claw.Summary{}
	}
	if n := len(sums); n > 0 {
		v.ContextFrom = sums[n-1].Through
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) resetSession(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name, session := r.PathValue("name"), r.PathValue("session")
	if _, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}); err != nil {
		return err
	}
	sum, err := s.Store.ResetSession(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, session)
	if err != nil {
		return err
	}
	s.Log.Info("session reset", "tenant", tok.Tenant, "claw", name, "session", session)
	writeJSON(w, http.StatusOK, sum)
	return nil
}

// putWorkspaceFile writes one file of a claw's workspace (used by
// `reef import openclaw`), through wsfs: beneath the workspace, never
// through a link the claw planted, atomically, and only for a path within
// wsfs.CheckPath's bounds (checked before anything is created).
func (s *Server) putWorkspaceFile(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name, rel := r.PathValue("name"), r.PathValue("path")
	if err := wsfs.CheckPath(rel); err != nil {
		return claw.Errorf(claw.EINVALID, "workspace path %q: %v", shortPath(rel), err)
	}
	c, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name})
	if err != nil {
		return err
	}
	if s.Workspaces == nil {
		return claw.Errorf(claw.EUNPROCESSABLE, "this node keeps no workspaces")
	}
	dir, err := s.Workspaces.Dir(c)
	if err != nil || dir == "" {
		return claw.Errorf(claw.EUNPROCESSABLE, "claw %q has no workspace on this node", name)
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make workspace: %w", err)
	}
	root, err := wsfs.Open(dir)
	if err != nil {
		return fmt.Errorf("open workspace: %w", err)
	}
	defer root.Close()
	if err := root.WriteFile(rel, body, 0o600); err != nil {
		if wsfs.Refused(err) {
			return claw.Errorf(claw.EUNPROCESSABLE, "workspace path %q: %s", rel, wsfs.Reason(err))
		}
		return fmt.Errorf("write workspace file: %w", err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": rel, "bytes": len(body)})
	return nil
}

// shortPath shortens a path for an error message.
func shortPath(p string) string {
	if len(p) > 120 {
		return p[:100] + "..." + p[len(p)-16:]
	}
	return p
}

// sessionRoutes read and reset sessions, and upload workspace files.
func (s *Server) sessionRoutes(t *routeTable) {
	t.token("GET /v1/claws/{name}/sessions", claw.ActRead, s.listSessions)
	t.token("GET /v1/claws/{name}/sessions/{session}", claw.ActRead, s.getSession)
	t.token("POST /v1/claws/{name}/sessions/{session}/reset", claw.ActOperate, s.resetSession)
	t.token("PUT /v1/claws/{name}/workspace/{path...}", claw.ActOperate, s.putWorkspaceFile)
}
