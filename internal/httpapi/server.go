// Package httpapi is reef's HTTP surface (docs/api.md): the JSON API under
// /v1 where events enter a claw's mailbox and replies leave, plus /healthz
// and /readyz. Every /v1 route needs a bearer token; every error is JSON
// {"error": {"code", "message"}} with the status its code maps to. Signed
// webhooks enter at /hooks (webhooks.go); the OpenAI-compatible routes
// (openai.go) answer errors in OpenAI's shape.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/live"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/wake"
	"github.com/reefhq/reef/internal/wsplace"
)

// Server serves the API.
type Server struct {
	Store      Store
	Supervisor *supervise.Supervisor
	// Wake wakes the claws whose mailbox the API wrote to and reports
	// the end of their events to callers that wait for a reply.
	Wake      *wake.Hub
	Scheduler *scheduler.Scheduler // nil: no schedule endpoints' actions
	Log       *slog.Logger
	Version   string
	// ValidateSpec checks what a spec refers to on this node (its model's
	// provider, its tools) beyond the spec's own syntax.
	ValidateSpec func(claw.Spec) error
	// Getenv reads the node's environment (webhook secret_env); nil is
	// os.Getenv.
	Getenv func(string) string
	// Deltas carries model text to streaming chat completions; nil
	// streams each reply whole once it is ready.
	Deltas *live.Hub
	// OnClawDeleted, when set, is called after a claw is deleted (the
	// node closes its MCP client connections).
	OnClawDeleted func(claw.Ref)
	// Workspaces, when set, decides at apply and rollback whether a
	// spec's workspace is allowed, gives uploads the claw's workspace
	// directory, and lists for GET /v1/doctor the stored claws whose
	// workspace is not.
	Workspaces *wsplace.Policy
	// Doctor probes the sandbox layers (GET /v1/doctor).
	Doctor func(context.Context) ([]sandbox.Layer, error)
	// BodyTimeout bounds the time to receive a request's body after its
	// headers (default DefaultBodyTimeout; negative: none).
	BodyTimeout time.Duration
	// PeerLimit bounds the requests one remote address has in flight on
	// the unauthenticated routes (default DefaultPeerLimit; negative:
	// none); beyond it the answer is 429 with Retry-After.
	PeerLimit int
	// Reserve, when set, reports the node's disk reserve: an error while
	// the data volume is under it. New events are then refused with 503
	// before they are stored, and /readyz answers "degraded".
	Reserve func() error

	ready atomic.Bool
	auth  authState
	rates rates
	drain drainState
	mcp   mcpServers
	peers peerLimiter
}

// SetReady marks the node ready (or not) for /readyz.
func (s *Server) SetReady(v bool) { s.ready.Store(v) }

// healthRoutes are the probes of load balancers and orchestrators, and
// the version.
func (s *Server) healthRoutes(t *routeTable) {
	t.public("GET /healthz", s.healthz)
	t.public("GET /readyz", s.readyz)
	t.token("GET /v1/version", claw.ActAny, s.version)
}

// notFoundRoute answers every other /v1/ path with reef's JSON 404.
func (s *Server) notFoundRoute(t *routeTable) {
	t.token("/v1/", claw.ActAny, func(w http.ResponseWriter, r *http.Request, _ store.Token) error {
		return claw.Errorf(claw.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path)
	})
}

// orDefault is v, or def when v is zero; a negative v means "none" (0).
func orDefault[T int | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeError(w, claw.Errorf(claw.EUNAVAILABLE, "node is not ready"))
		return
	}
	if _, err := s.Store.CountClaws(r.Context()); err != nil {
		writeError(w, claw.Errorf(claw.EUNAVAILABLE, "store unreachable"))
		return
	}
	if err := s.underReserve(); err != nil {
		writeDegraded(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) version(w http.ResponseWriter, r *http.Request, _ store.Token) error {
	writeJSON(w, http.StatusOK, map[string]string{"version": s.Version})
	return nil
}

// readBody reads a request body of at most api.MaxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, api.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, claw.Errorf(claw.ETOOLARGE, "request body over %d bytes", api.MaxBody)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, claw.Errorf(claw.EINVALID, "request body not received in time")
	}
	if err != nil {
		return nil, claw.Errorf(claw.EINVALID, "read body: %v", err)
	}
	return b, nil
}

// decodeJSON reads a JSON object body into v; unknown fields are errors.
func decodeJSON(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return claw.Errorf(claw.EINVALID, "invalid JSON body: %v", err)
	}
	return nil
}

var statusOf = map[string]int{
	claw.EINVALID:       http.StatusBadRequest,
	claw.EUNAUTHORIZED:  http.StatusUnauthorized,
	claw.EFORBIDDEN:     http.StatusForbidden,
	claw.ENOTFOUND:      http.StatusNotFound,
	claw.ECONFLICT:      http.StatusConflict,
	claw.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	claw.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	claw.ERATELIMITED:   http.StatusTooManyRequests,
	claw.EBUDGET:        http.StatusPaymentRequired,
	claw.EINTERNAL:      http.StatusInternalServerError,
	claw.EUNAVAILABLE:   http.StatusServiceUnavailable,
	claw.ETIMEOUT:       http.StatusGatewayTimeout,
}

type errorBody struct {
	Error struct {
		Code     string         `json:"code"`
		Message  string         `json:"message"`
		Problems []spec.Problem `json:"problems,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	code := claw.ErrorCode(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		code = claw.EUNAVAILABLE
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, claw.ErrorMessage(err)
	if code == claw.EUNAVAILABLE && body.Error.Message == "internal error" {
		body.Error.Message = "request cancelled"
	}
	body.Error.Problems = spec.Problems(err)
	var ce *claw.Error
	if errors.As(err, &ce) && ce.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ce.RetryAfter.Seconds()))))
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
