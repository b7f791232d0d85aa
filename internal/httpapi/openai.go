package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// The OpenAI-compatible surface (docs/openai.md): POST /v1/chat/completions
// with model = a claw's name, GET /v1/models listing the tenant's claws.
// Errors use OpenAI's shape, {"error": {"message", "type", "param",
// "code"}}, so that OpenAI clients report them.

// SessionHeader names the session of a chat completion (and reports it
// back); without it the request's user field is the session, else a fresh
// one is made.
const SessionHeader = "X-Reef-Session"

// ChatRequest is the part of an OpenAI chat completion request reef reads;
// other fields (temperature, tools, ...) are accepted and ignored: the
// claw's spec decides its model and tools.
type ChatRequest struct {
	Model         string        `json:"model"`
	Messages      []ChatMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	User string `json:"user"`
	N    *int   `json:"n"`
}

// ChatMessage is one message of a request. Content is a string or an
// array of parts of which only "text" parts are supported.
type ChatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// ChatCompletion is the answer of a non-streaming request.
type ChatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"` // chat.completion or chat.completion.chunk
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   *ChatUsage   `json:"usage,omitempty"`
}

// ChatChoice is the one choice of a completion (Message) or of a chunk
// (Delta).
type ChatChoice struct {
	Index        int          `json:"index"`
	Message      *ChatContent `json:"message,omitempty"`
	Delta        *ChatContent `json:"delta,omitempty"`
	Logprobs     *struct{}    `json:"logprobs"`
	FinishReason *string      `json:"finish_reason"`
}

// ChatContent is an assistant message or a chunk's delta of one.
type ChatContent struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

// ChatUsage counts the tokens of the claw's whole run (all its model calls).
type ChatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Model is an entry of GET /v1/models: one claw.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// oaError is an error in OpenAI's shape.
type oaError struct {
	Status  int
	Type    string
	Code    string
	Param   string
	Message string
	// Retry tells OpenAI clients (x-should-retry) whether a retry may help;
	// a retried completion would run the claw again.
	Retry bool
}

func (e *oaError) Error() string { return e.Message }

func (e *oaError) body() any {
	type inner struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	in := inner{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		in.Param = &e.Param
	}
	if e.Code != "" {
		in.Code = &e.Code
	}
	return struct {
		Error inner `json:"error"`
	}{in}
}

func invalidRequest(param, format string, args ...any) *oaError {
	return &oaError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...)}
}

// toOpenAI converts any error to OpenAI's shape.
func toOpenAI(err error) *oaError {
	var oe *oaError
	if errors.As(err, &oe) {
		return oe
	}
	code, msg := claw.ErrorCode(err), claw.ErrorMessage(err)
	e := &oaError{Status: statusOf[code], Type: "invalid_request_error", Code: code, Message: msg}
	switch code {
	case claw.EUNAUTHORIZED:
		e.Code = "invalid_api_key"
	case claw.EINTERNAL:
		e.Type, e.Status = "server_error", http.StatusInternalServerError
	case claw.EUNAVAILABLE:
		e.Type, e.Retry = "server_error", true
	case claw.ETIMEOUT:
		e.Type = "timeout"
	case "":
		e.Type, e.Status, e.Message = "server_error", http.StatusInternalServerError, "internal error"
	}
	if errors.Is(err, errCanceled) {
		e.Type, e.Status, e.Message = "server_error", http.StatusServiceUnavailable, "request cancelled"
	}
	return e
}

var errCanceled = errors.New("request cancelled")

func writeOpenAIError(w http.ResponseWriter, e *oaError) {
	w.Header().Set("X-Should-Retry", fmt.Sprint(e.Retry))
	writeJSON(w, e.Status, e.body())
}

// openai wraps an OpenAI-compatible handler: bearer token auth, errors in
// OpenAI's shape.
func (s *Server) openai(h func(http.ResponseWriter, *http.Request, store.Token) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.authenticate(r)
		if err == nil {
			err = h(w, r, tok)
		}
		if err == nil {
			return
		}
		if r.Context().Err() != nil {
			err = errCanceled
		}
		e := toOpenAI(err)
		if e.Status >= 500 {
			s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeOpenAIError(w, e)
	})
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	claws, err := s.Store.ListClaws(r.Context(), tok.Tenant)
	if err != nil {
		return err
	}
	data := make([]Model, 0, len(claws))
	for _, c := range claws {
		data = append(data, modelOf(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
	return nil
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	c, err := s.findModel(r, tok, r.PathValue("model"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, modelOf(c))
	return nil
}

func modelOf(c claw.Claw) Model {
	return Model{ID: c.Name, Object: "model", Created: c.CreatedAt.Unix(), OwnedBy: c.Tenant}
}

// findModel returns the claw a model name names.
func (s *Server) findModel(r *http.Request, tok store.Token, model string) (claw.Claw, error) {
	c, err := s.Store.GetClaw(r.Context(), tok.Tenant, model)
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return c, &oaError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: "model", Code: "model_not_found",
			Message: fmt.Sprintf("The model `%s` does not exist: models are the tenant's claws (GET /v1/models).", model)}
	}
	return c, err
}

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
	case req.User != "":
		t.session = req.User
	}
	if t.session != "" && !sessionOK(t.session) {
		return chatTurn{}, invalidRequest("user", "the session (X-Reef-Session or user) must be 1-128 printable ASCII characters without spaces")
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

func ptr[T any](v T) *T { return &v }

// usageOf reports the tokens of the event's run.
func (s *Server) usageOf(r *http.Request, ev claw.Event) (*ChatUsage, error) {
	if ev.RunID == 0 {
		return &ChatUsage{}, nil
	}
	run, err := s.Store.GetRun(r.Context(), ev.Tenant, ev.Claw, ev.RunID)
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
	ew.ended, ew.stop = ew.s.Supervisor.Watch(ew.ref, ew.id)
	return ew.s.Store.GetEvent(r.Context(), ew.ref.Tenant, ew.ref.Name, ew.id)
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
	ev, created, err := s.Store.Enqueue(r.Context(), ref.Tenant, ref.Name, claw.NewEvent{
		Kind: claw.KindMessage, IdempotencyKey: key, Session: t.session, Text: t.text,
	})
	if err != nil {
		return ev, nil, err
	}
	ew := &eventWait{s: s, ref: ref, id: ev.ID}
	ev, err = ew.watch(r)
	if created {
		s.Supervisor.Notify(ref)
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
		Choices: []ChatChoice{{Message: &ChatContent{Role: "assistant", Content: ptr(ev.Reply)}, FinishReason: ptr("stop")}},
		Usage:   usage,
	})
	return nil
}
