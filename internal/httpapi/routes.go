package httpapi

import (
	"net/http"

	"github.com/reefhq/reef/internal/claw"

	"github.com/reefhq/reef/internal/store"
)

// Route policies: who may call a route.
const (
	// PolicyPublic routes need no token; each remote address has at most
	// the peer limit in flight. Webhooks authenticate by signature.
	PolicyPublic = "public"
	// PolicyToken routes need a bearer token (errors in reef's shape).
	PolicyToken = "token"
	// PolicyOpenAI routes need a bearer token (errors in OpenAI's shape).
	PolicyOpenAI = "openai"
	// PolicyMCP is the MCP server, which checks the bearer token itself.
	PolicyMCP = "mcp"
)

// Route is one registered route and the policy it declares.
type Route struct {
	Pattern string // a net/http ServeMux pattern, e.g. "GET /v1/claws/{name}"
	Policy  string
	// Action is what a token's role must grant to call the route (token,
	// openai and mcp routes; the MCP server also checks each method).
	Action claw.Action
}

// apiHandler is a handler of a PolicyToken route: it gets the caller's
// token, and its error is answered as JSON.
type apiHandler func(http.ResponseWriter, *http.Request, store.Token) error

// routeTable collects the routes of every feature, each with its policy,
// before they are served.
type routeTable struct {
	s       *Server
	peers   int // the per-address limit of public routes
	entries []routeEntry
}

type routeEntry struct {
	Route
	h http.Handler
}

// public adds a route anyone may call, under the per-address limit.
func (t *routeTable) public(pattern string, h http.HandlerFunc) {
	t.entries = append(t.entries, routeEntry{Route{pattern, PolicyPublic, ""}, t.s.peers.limit(t.peers, h)})
}

// token adds a route of reef's API that needs a bearer token whose role
// grants act.
func (t *routeTable) token(pattern string, act claw.Action, h apiHandler) {
	t.entries = append(t.entries, routeEntry{Route{pattern, PolicyToken, act}, t.s.authed(act, h)})
}

// openai adds a route of the OpenAI-compatible API.
func (t *routeTable) openai(pattern string, act claw.Action, h apiHandler) {
	t.entries = append(t.entries, routeEntry{Route{pattern, PolicyOpenAI, act}, t.s.openai(act, h)})
}

// mcp adds the MCP server's route.
func (t *routeTable) mcp(pattern string, act claw.Action, h http.Handler) {
	t.entries = append(t.entries, routeEntry{Route{pattern, PolicyMCP, act}, h})
}

// routes is the table of every route, feature by feature, with the /v1/
// catch-all (a JSON 404 for a token holder) last.
func (s *Server) routes() *routeTable {
	t := &routeTable{s: s, peers: orDefault(s.PeerLimit, DefaultPeerLimit)}
	s.healthRoutes(t)
	s.clawRoutes(t)
	s.messageRoutes(t)
	s.sessionRoutes(t)
	s.scheduleRoutes(t)
	s.supervisionRoutes(t)
	s.doctorRoutes(t)
	s.tenancyRoutes(t)
	s.webhookRoutes(t)
	s.openaiRoutes(t)
	s.mcpRoutes(t)
	s.notFoundRoute(t)
	return t
}

// Routes lists every route the Handler serves, with its policy.
func (s *Server) Routes() []Route {
	t := s.routes()
	out := make([]Route, len(t.entries))
	for i, e := range t.entries {
		out[i] = e.Route
	}
	return out
}

// Handler returns the routes, behind the access log, the body deadline
// and the drain guard.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, e := range s.routes().entries {
		mux.Handle(e.Pattern, routed(e.Pattern, e.h))
	}
	return s.accessLog(bodyDeadline(orDefault(s.BodyTimeout, DefaultBodyTimeout), s.drainGuard(mux)))
}
