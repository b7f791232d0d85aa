package llmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBody bounds a request body.
const maxBody = 32 << 20

// Server is the fake model server. Set the exported fields before Start;
// a Server is an http.Handler too, for mounting it elsewhere.
type Server struct {
	// Models are listed by GET /v1/models; empty lists "llmtest".
	Models []string
	// DiscardCalls makes the server count calls without keeping them, for
	// long benchmarks. Calls then returns nothing.
	DiscardCalls bool

	handler Handler
	bufs    sync.Pool // *bytes.Buffer for request and response bodies
	ids     atomic.Uint64
	count   atomic.Int64

	mu    sync.Mutex
	calls []Call
	srv   *http.Server
	ln    net.Listener
	done  chan struct{} // closed when the serving goroutine returns
}

// New returns a server that answers with handler; nil means Echo.
func New(handler Handler) *Server {
	if handler == nil {
		handler = Echo
	}
	return &Server{
		handler: handler,
		bufs:    sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
}

// Start listens on addr, such as "127.0.0.1:0", and serves in the
// background until Close.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := s.StartListener(ln); err != nil {
		_ = ln.Close()
		return err
	}
	return nil
}

// StartListener serves on ln in the background until Close, which closes
// ln. A Server starts once; starting it again is an error.
func (s *Server) StartListener(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("start llmtest server: already started")
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	s.ln, s.srv, s.done = ln, srv, done
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return nil
}

// URL returns the server's root URL, such as "http://127.0.0.1:4711", or ""
// before Start. It is the Anthropic SDK's base URL.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// OpenAIBaseURL returns URL with "/v1/" appended: the OpenAI SDK's base URL.
func (s *Server) OpenAIBaseURL() string {
	return s.URL() + "/v1/"
}

// Close stops the server and closes its connections. It is safe to call
// more than once and before Start.
func (s *Server) Close() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	<-done
}

// Calls returns a copy of the calls received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount returns the number of calls received so far.
func (s *Server) CallCount() int {
	return int(s.count.Load())
}

// ServeHTTP routes the OpenAI and Anthropic endpoints, with or without the
// "/v1" prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/chat/completions" && r.Method == http.MethodPost:
		s.serveCall(w, r, ProtocolOpenAI)
	case path == "/messages" && r.Method == http.MethodPost:
		s.serveCall(w, r, ProtocolAnthropic)
	case path == "/models" && r.Method == http.MethodGet:
		s.serveModels(w)
	case path == "/chat/completions" || path == "/messages" || path == "/models":
		writeError(w, protocolOf(r), Reply{Status: http.StatusMethodNotAllowed})
	default:
		writeError(w, protocolOf(r), Reply{Status: http.StatusNotFound, ErrorMessage: "no route for " + r.URL.Path})
	}
}

// protocolOf guesses the protocol of a request that matched no route.
func protocolOf(r *http.Request) string {
	if r.Header.Get("anthropic-version") != "" {
		return ProtocolAnthropic
	}
	return ProtocolOpenAI
}

// serveCall decodes, records and answers one model call.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, protocol string) {
	buf := s.bufs.Get().(*bytes.Buffer)
	defer s.putBuf(buf)
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		writeError(w, protocol, Reply{Status: http.StatusBadRequest, ErrorMessage: "read body: " + err.Error()})
		return
	}
	decode := decodeOpenAI
	if protocol == ProtocolAnthropic {
		decode = decodeAnthropic
	}
	call, err := decode(buf.Bytes())
	if err != nil {
		writeError(w, protocol, Reply{Status: http.StatusBadRequest, ErrorMessage: err.Error()})
		return
	}
	call.Header = r.Header
	inputEstimate := buf.Len()/4 + 1
	s.record(call)

	reply := s.handler(call)
	if sleep(r.Context(), reply.Delay) != nil {
		return // the client is gone
	}
	if reply.isError() {
		writeError(w, protocol, reply)
		return
	}
	if reply.InputTokens == 0 {
		reply.InputTokens = inputEstimate
	}
	if reply.OutputTokens == 0 {
		reply.OutputTokens = outputEstimate(reply)
	}
	id := strconv.FormatUint(s.ids.Add(1), 10)
	buf.Reset()
	if call.Stream && reply.ChunkDelay > 0 {
		w = &pacedWriter{ResponseWriter: w, ctx: r.Context(), delay: reply.ChunkDelay}
	}
	if protocol == ProtocolAnthropic {
		writeAnthropic(w, buf, call, reply, id)
	} else {
		writeOpenAI(w, buf, call, reply, id)
	}
}

// record counts the call and, unless DiscardCalls, keeps it.
func (s *Server) record(c Call) {
	s.count.Add(1)
	if s.DiscardCalls {
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

// putBuf returns buf to the pool unless it grew large.
func (s *Server) putBuf(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 {
		return
	}
	buf.Reset()
	s.bufs.Put(buf)
}

// modelEntry is one model in GET /v1/models, in a shape both SDKs accept.
type modelEntry struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Type        string `json:"type"`
	Created     int64  `json:"created"`
	CreatedAt   string `json:"created_at"`
	OwnedBy     string `json:"owned_by"`
	DisplayName string `json:"display_name"`
}

// serveModels lists Models in the union of both protocols' list shapes.
func (s *Server) serveModels(w http.ResponseWriter) {
	names := s.Models
	if len(names) == 0 {
		names = []string{"llmtest"}
	}
	list := struct {
		Object  string       `json:"object"`
		Data    []modelEntry `json:"data"`
		HasMore bool         `json:"has_more"`
		FirstID string       `json:"first_id"`
		LastID  string       `json:"last_id"`
	}{Object: "list", FirstID: names[0], LastID: names[len(names)-1]}
	for _, name := range names {
		list.Data = append(list.Data, modelEntry{
			ID: name, Object: "model", Type: "model", Created: 1700000000,
			CreatedAt: "2023-11-14T22:13:20Z", OwnedBy: "llmtest", DisplayName: name,
		})
	}
	writeJSON(w, http.StatusOK, list)
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeBody writes buf as the response body with contentType.
func writeBody(w http.ResponseWriter, contentType string, buf *bytes.Buffer) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if contentType == "text/event-stream" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, buf)
}

// errorType names the error of an HTTP status in both protocols' terms.
func errorType(protocol string, status int) string {
	switch {
	case status == http.StatusTooManyRequests && protocol == ProtocolAnthropic:
		return "rate_limit_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status == 529:
		return "overloaded_error"
	case status >= 500 && protocol == ProtocolAnthropic:
		return "api_error"
	case status >= 500:
		return "server_error"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	default:
		return "invalid_request_error"
	}
}

// writeError writes r as an error response in the protocol's JSON format.
func writeError(w http.ResponseWriter, protocol string, r Reply) {
	msg := r.ErrorMessage
	if msg == "" {
		msg = http.StatusText(r.Status)
	}
	if r.RetryAfter != "" {
		w.Header().Set("Retry-After", r.RetryAfter)
	}
	typ := errorType(protocol, r.Status)
	if protocol == ProtocolAnthropic {
		w.Header().Set("Request-Id", "req_llmtest")
		writeJSON(w, r.Status, anError{Type: "error", Error: anErrorBody{Type: typ, Message: msg}})
		return
	}
	writeJSON(w, r.Status, oaError{Error: oaErrorBody{Message: msg, Type: typ}})
}
