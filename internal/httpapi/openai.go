package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

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
	if errors.Is(err, errChatCanceled) {
		e.Type, e.Status, e.Message = "server_error", http.StatusServiceUnavailable, "request cancelled"
	}
	return e
}

var errChatCanceled = errors.New("request cancelled")

func writeOpenAIError(w http.ResponseWriter, e *oaError) {
	w.Header().Set("X-Should-Retry", fmt.Sprint(e.Retry))
	writeJSON(w, e.Status, e.body())
}

// openai wraps an OpenAI-compatible handler: bearer token auth, errors in
// OpenAI's shape.
func (s *Server) openai(act claw.Action, h func(http.ResponseWriter, *http.Request, store.Token) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, r, done, err := s.authorize(r, act)
		defer done()
		if err == nil {
			err = h(w, r, tok)
		}
		if err == nil {
			return
		}
		if r.Context().Err() != nil {
			err = errChatCanceled
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
		if !tok.Reaches(c.Name) {
			continue
		}
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
	c, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: model})
	if err == nil && !tok.Reaches(model) {
		c, err = claw.Claw{}, unreached(model)
	}
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return c, &oaError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: "model", Code: "model_not_found",
			Message: fmt.Sprintf("The model `%s` does not exist: models are the tenant's claws (GET /v1/models).", model)}
	}
	return c, err
}

// openaiRoutes are the OpenAI-compatible chat completions and models.
func (s *Server) openaiRoutes(t *routeTable) {
	t.openai("POST /v1/chat/completions", claw.ActInvoke, s.chatCompletions)
	t.openai("GET /v1/models", claw.ActInvoke, s.listModels)
	t.openai("GET /v1/models/{model}", claw.ActInvoke, s.getModel)
}
