package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// chatTurn is a decoded request: the claw, the session and the event text.
type chatTurn struct {
	claw    claw.Claw
	session string
	text    string
	stream  bool
	usage   bool // stream_options.include_usage
}

// readChat decodes and checks a chat completion request.
func (s *Server) readChat(r *http.Request, tok store.Token) (chatTurn, error) {
	body, err := readBody(r)
	if err != nil {
		return chatTurn{}, err
	}
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return chatTurn{}, invalidRequest("", "invalid JSON body: %v", err)
	}
	if req.Model == "" {
		return chatTurn{}, invalidRequest("model", "model is required: the name of a claw")
	}
	if req.N != nil && *req.N != 1 {
		return chatTurn{}, invalidRequest("n", "only n=1 is supported")
	}
	if len(req.Messages) == 0 {
		return chatTurn{}, invalidRequest("messages", "messages must hold at least one user message")
	}
	last := req.Messages[len(req.Messages)-1]
	if last.Role != "user" {
		return chatTurn{}, invalidRequest("messages", "the last message must have role user, got %q", last.Role)
	}
	texts := make([]string, len(req.Messages))
	for i, m := range req.Messages {
		if texts[i], err = contentText(m.Content); err != nil {
			return chatTurn{}, invalidRequest(fmt.Sprintf("messages[%d].content", i), "%v", err)
		}
	}
	if texts[len(texts)-1] == "" {
		return chatTurn{}, invalidRequest("messages", "the last user message is empty")
	}
	t := chatTurn{stream: req.Stream, usage: req.Stream && req.StreamOptions != nil && req.StreamOptions.IncludeUsage}
	switch {
	case r.Header.Get(SessionHeader) != "":
		t.session = r.Header.Get(SessionHeader)
		if !sessionOK(t.session) {
			return chatTurn{}, invalidRequest("", "the %s header must be 1-128 printable ASCII characters without spaces", SessionHeader)
		}
	case req.User != "":
		t.session = userSession(req.User)
	}
	t.text = texts[len(texts)-1]
	if t.session == "" {
		t.session = "chat-" + randomKey()[len("auto-"):]
		t.text = withHistory(req.Messages, texts)
	}
	if t.claw, err = s.findModel(r, tok, req.Model); err != nil {
		return chatTurn{}, err
	}
	switch t.claw.State {
	case claw.StatePaused, claw.StateDisabled, claw.StateCrashloop:
		return chatTurn{}, &oaError{Status: http.StatusConflict, Type: "invalid_request_error", Param: "model", Code: "claw_" + string(t.claw.State),
			Message: fmt.Sprintf("claw %s is %s and would not answer", t.claw.Name, t.claw.State)}
	}
	return t, nil
}

// userSession is the session of a request's user field: the field itself
// when it is a valid session name, else "user-" and a hash of it (the
// field is any end-user identifier).
func userSession(user string) string {
	if sessionOK(user) {
		return user
	}
	sum := sha256.Sum256([]byte(user))
	return "user-" + hex.EncodeToString(sum[:16])
}

// contentText returns the text of a message's content: a string, null, or
// an array of {"type": "text", "text": ...} parts joined with newlines.
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("content must be a string or an array of parts")
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("content part type %q is not supported (only text)", p.Type)
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}

// withHistory is the event text of a request in a fresh session: the
// earlier user and assistant messages the client sent are quoted before
// the last one, since the claw has no transcript of them. System and
// developer messages are left out: the claw's instructions apply.
func withHistory(msgs []ChatMessage, texts []string) string {
	var b strings.Builder
	for i, m := range msgs[:len(msgs)-1] {
		if (m.Role == "user" || m.Role == "assistant") && texts[i] != "" {
			if b.Len() == 0 {
				b.WriteString("Earlier messages of this conversation, as the client sent them:\n\n")
			}
			fmt.Fprintf(&b, "[%s]\n%s\n\n", m.Role, texts[i])
		}
	}
	last := texts[len(texts)-1]
	if b.Len() == 0 {
		return last
	}
	b.WriteString("The new message:\n\n")
	b.WriteString(last)
	return b.String()
}

// completionID names a completion after its event.
func completionID(ev claw.Event) string { return fmt.Sprintf("chatcmpl-reef-%d", ev.ID) }

func chatPtr[T any](v T) *T { return &v }

// usageOf reports the tokens of the event's run.
func (s *Server) usageOf(r *http.Request, ev claw.Event) (*ChatUsage, error) {
	if ev.RunID == 0 {
		return &ChatUsage{}, nil
	}
	run, err := s.Store.GetRun(r.Context(), claw.Ref{Tenant: ev.Tenant, Name: ev.Claw}, ev.RunID)
	if err != nil {
		return nil, err
	}
	return &ChatUsage{PromptTokens: run.InputTokens, CompletionTokens: run.OutputTokens, TotalTokens: run.InputTokens + run.OutputTokens}, nil
}

// runFailed is the error of an event whose run failed.
func runFailed(ev claw.Event) *oaError {
	return &oaError{Status: http.StatusInternalServerError, Type: "server_error", Code: "run_failed", Message: "the claw's run failed: " + ev.Error}
}

// waitTimeout is the error of a reply that did not come within MaxWait.
func waitTimeout(ev claw.Event) *oaError {
	return &oaError{Status: http.StatusGatewayTimeout, Type: "timeout", Code: "timeout",
		Message: fmt.Sprintf("no reply within %s; the event %d stays queued (GET /v1/claws/%s/events/%d)", MaxWait, ev.ID, ev.Claw, ev.ID)}
}

// eventWait watches one event until its run ends.
type eventWait struct {
	s     *Server
	ref   claw.Ref
	id    int64
	ended <-chan struct{}
	stop  func()
}

// watch starts watching and returns the event as stored then, so that a
// run that ended before is seen as done.
func (ew *eventWait) watch(r *http.Request) (claw.Event, error) {
	if ew.stop != nil {
		ew.stop()
	}
	ew.ended, ew.stop = ew.s.Wake.Watch(ew.ref, ew.id)
	return ew.s.Store.GetEvent(r.Context(), ew.ref, ew.id)
}

func (ew *eventWait) close() {
	if ew.stop != nil {
		ew.stop()
	}
}

// enqueueChat writes the turn's event and starts watching it; the caller
// must close the wait.
func (s *Server) enqueueChat(r *http.Request, t chatTurn, key string) (claw.Event, *eventWait, error) {
	ref := claw.Ref{Tenant: t.claw.Tenant, Name: t.claw.Name}
	if err := s.refuseUnderReserve(nil); err != nil {
		return claw.Event{}, nil, err
	}
	if err := s.admitRate(r.Context(), ref.Tenant); err != nil {
		return claw.Event{}, nil, err
	}
	ev, created, err := s.Store.Enqueue(r.Context(), ref, claw.NewEvent{
		Kind: claw.KindMessage, IdempotencyKey: key, Session: t.session, Text: t.text,
	})
	if err != nil {
		return ev, nil, err
	}
	ew := &eventWait{s: s, ref: ref, id: ev.ID}
	ev, err = ew.watch(r)
	if created {
		s.Wake.Notify(ref)
	}
	if err != nil {
		ew.close()
		return ev, nil, err
	}
	return ev, ew, nil
}

// chatKey is the idempotency key of a completion's event: the client's
// Idempotency-Key header when it sends one (a retry then joins the first
// attempt), else a fresh key.
func chatKey(r *http.Request) (string, error) {
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		if len(k) > 200 {
			return "", invalidRequest("", "Idempotency-Key over 200 characters")
		}
		return "openai:" + k, nil
	}
	return "openai:" + randomKey()[len("auto-"):], nil
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	t, err := s.readChat(r, tok)
	if err != nil {
		return err
	}
	key, err := chatKey(r)
	if err != nil {
		return err
	}
	w.Header().Set(SessionHeader, t.session)
	if t.stream {
		return s.streamChat(w, r, t, key)
	}
	ev, ew, err := s.enqueueChat(r, t, key)
	if err != nil {
		return err
	}
	defer ew.close()
	timer := time.NewTimer(MaxWait)
	defer timer.Stop()
	for !ev.Done() {
		select {
		case <-ew.ended:
			// Ended on this node; a run cut short by a store error is
			// retried, so watch again until the event is done.
			if ev, err = ew.watch(r); err != nil {
				return err
			}
		case <-timer.C:
			return waitTimeout(ev)
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
	w.Header().Set("X-Reef-Event-Id", fmt.Sprint(ev.ID))
	if ev.Status == claw.EventFailed {
		return runFailed(ev)
	}
	usage, err := s.usageOf(r, ev)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ChatCompletion{
		ID: completionID(ev), Object: "chat.completion", Created: time.Now().Unix(), Model: t.claw.Name,
		Choices: []ChatChoice{{Message: &ChatContent{Role: "assistant", Content: chatPtr(ev.Reply)}, FinishReason: chatPtr("stop")}},
		Usage:   usage,
	})
	return nil
}
