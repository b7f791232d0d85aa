package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// MaxWait caps ?wait= on POST /v1/claws/{name}/messages.
const MaxWait = 10 * time.Minute

// sessionOK reports whether s is a valid session name.
func sessionOK(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	var req api.MessageRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Text == "" {
		return claw.Errorf(claw.EINVALID, "text is required")
	}
	if req.Session == "" {
		req.Session = claw.DefaultSession
	}
	if !sessionOK(req.Session) {
		return claw.Errorf(claw.EINVALID, "session must be 1-128 printable ASCII characters without spaces")
	}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = r.Header.Get("Idempotency-Key")
	}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = randomKey()
	}
	if len(req.IdempotencyKey) > 256 {
		return claw.Errorf(claw.EINVALID, "idempotency_key over 256 characters")
	}
	if req.CallbackURL != "" {
		u, err := url.Parse(req.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(req.CallbackURL) > 2048 {
			return claw.Errorf(claw.EINVALID, "callback_url must be an absolute http or https URL")
		}
	}
	wait, err := waitParam(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	ref := claw.Ref{Tenant: tok.Tenant, Name: name}
	if err := s.refuseUnderReserve(w); err != nil {
		return err
	}
	if err := s.admitRate(r.Context(), ref.Tenant); err != nil {
		return err
	}
	if r.URL.Query().Get("stream") == "true" {
		return s.streamMessage(w, r, ref, req, wait)
	}
	ev, created, err := s.Store.Enqueue(r.Context(), ref, messageEvent(req))
	if err != nil {
		return err
	}
	// Watch before waking the claw, so that a fast run is not missed.
	var ended <-chan struct{}
	if wait > 0 && !ev.Done() {
		ch, stop := s.Wake.Watch(ref, ev.ID)
		defer stop()
		ended = ch
	}
	if created {
		s.Wake.Notify(ref)
	}
	if ended != nil {
		if ev, err = s.awaitEvent(r, ref, ev.ID, ended, wait); err != nil {
			return err
		}
	}
	out := api.NewEventResponse(ev)
	out.Duplicate = !created
	status := http.StatusAccepted
	if ev.Done() {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

// messageEvent is the event of a message posted to a claw.
func messageEvent(req api.MessageRequest) claw.NewEvent {
	return claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: req.IdempotencyKey, Session: req.Session, Text: req.Text, ReplyTo: req.CallbackURL}
}

// waitParam reads ?wait=DURATION, capped at MaxWait.
func waitParam(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, claw.Errorf(claw.EINVALID, "wait must be a duration such as 30s, got %q", v)
	}
	return min(d, MaxWait), nil
}

// awaitEvent waits until the event ends, wait runs out or the client
// leaves, and returns the event as stored then.
func (s *Server) awaitEvent(r *http.Request, ref claw.Ref, id int64, ended <-chan struct{}, wait time.Duration) (claw.Event, error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ended:
	case <-t.C:
	case <-r.Context().Done():
		return claw.Event{}, r.Context().Err()
	case <-s.drained():
	}
	return s.Store.GetEvent(r.Context(), ref, id)
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "auto-" + hex.EncodeToString(b[:])
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return claw.Errorf(claw.EINVALID, "event id must be a number")
	}
	wait, err := waitParam(r)
	if err != nil {
		return err
	}
	ref := claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")}
	var ended <-chan struct{}
	if wait > 0 {
		ch, stop := s.Wake.Watch(ref, id)
		defer stop()
		ended = ch
	}
	ev, err := s.Store.GetEvent(r.Context(), ref, id)
	if err != nil {
		return err
	}
	if ended != nil && !ev.Done() {
		if ev, err = s.awaitEvent(r, ref, id, ended, wait); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, api.NewEventResponse(ev))
	return nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return claw.Errorf(claw.EINVALID, "limit must be a number from 1 to 1000")
		}
		limit = n
	}
	name := r.PathValue("name")
	if _, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}); err != nil {
		return err
	}
	runs, err := s.Store.ListRuns(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, limit)
	if err != nil {
		return err
	}
	if runs == nil {
		runs = []claw.Run{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
	return nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return claw.Errorf(claw.EINVALID, "run id must be a number")
	}
	run, err := s.Store.GetRun(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: r.PathValue("name")}, id)
	if err != nil {
		return err
	}
	steps, err := s.Store.RunSteps(r.Context(), tok.Tenant, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.RunView{Run: run, StepList: steps})
	return nil
}

// messageRoutes take messages into a claw's mailbox and report their
// events and runs.
func (s *Server) messageRoutes(t *routeTable) {
	t.token("POST /v1/claws/{name}/messages", claw.ActInvoke, s.postMessage)
	t.token("GET /v1/claws/{name}/events/{id}", claw.ActInvoke, s.getEvent)
	t.token("GET /v1/claws/{name}/runs", claw.ActRead, s.listRuns)
	t.token("GET /v1/claws/{name}/runs/{id}", claw.ActRead, s.getRun)
}
