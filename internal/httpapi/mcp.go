package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
)

// The MCP server at /mcp (docs/mcp.md): streamable HTTP with the go-sdk,
// the bearer token's tenant choosing the server. Each tenant's server has
// one tool per claw, ask_<claw> (hyphens in the claw's name become
// underscores: claw names hold no '_', so the mapping is reversible), and
// read-only resources for the claws' sessions. The tool list follows
// applies and deletes made through this node, announced to connected
// clients with notifications/tools/list_changed; a new MCP session also
// re-reads the list (so changes made through other nodes show there).

// MCPSessionIdle closes an MCP session that made no request for this long.
const MCPSessionIdle = 30 * time.Minute

// AskToolName is the MCP tool name of a claw: ask_<name> with '-' as '_'.
func AskToolName(clawName string) string {
	return "ask_" + strings.ReplaceAll(clawName, "-", "_")
}

// mcpServers holds one MCP server per tenant, made on first use.
type mcpServers struct {
	once     sync.Once
	handler  http.Handler
	mu       sync.Mutex
	byTenant map[string]*tenantMCP
}

// tenantMCP is one tenant's MCP server and what it offers.
type tenantMCP struct {
	tenant string
	srv    *mcp.Server
	prefix string // of its session ids: a session is bound to its tenant

	mu    sync.Mutex        // serializes syncs
	tools map[string]string // tool name -> description offered
}

type mcpTenantKey struct{}

func (s *Server) mcpHandler() http.Handler {
	s.mcp.once.Do(func() {
		s.mcp.byTenant = map[string]*tenantMCP{}
		h := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
			t, _ := r.Context().Value(mcpTenantKey{}).(*tenantMCP)
			if t == nil {
				return nil
			}
			return t.srv
		}, &mcp.StreamableHTTPOptions{
			Logger:         s.Log,
			SessionTimeout: MCPSessionIdle,
			// Every request carries a bearer token, which a DNS-rebinding
			// page cannot send; reverse proxies on localhost keep working.
			DisableLocalhostProtection: true,
			MaxRequestBodyBytes:        api.MaxBody,
		})
		s.mcp.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, r, done, err := s.authorize(r, claw.ActInvoke)
			defer done()
			if err != nil {
				if claw.ErrorCode(err) == claw.EUNAUTHORIZED {
					w.Header().Set("WWW-Authenticate", `Bearer realm="reef"`)
				}
				writeError(w, err)
				return
			}
			t, err := s.mcpTenant(r.Context(), tok.Tenant)
			if err == nil && r.Header.Get("Mcp-Session-Id") == "" {
				err = s.mcpSync(r.Context(), t) // a new session sees the current claws
			}
			if err != nil {
				s.Log.Error("mcp request failed", "tenant", tok.Tenant, "err", err)
				writeError(w, err)
				return
			}
			if id := r.Header.Get("Mcp-Session-Id"); id != "" && !strings.HasPrefix(id, t.prefix) {
				writeError(w, claw.Errorf(claw.ENOTFOUND, "unknown MCP session"))
				return
			}
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), mcpTenantKey{}, t)))
		})
	})
	return s.mcp.handler
}

// CloseMCP ends every MCP session, so that their open streams do not hold
// up a shutdown (the node calls it when its HTTP server shuts down).
func (s *Server) CloseMCP() {
	s.mcp.mu.Lock()
	servers := make([]*mcp.Server, 0, len(s.mcp.byTenant))
	for _, t := range s.mcp.byTenant {
		servers = append(servers, t.srv)
	}
	s.mcp.mu.Unlock()
	for _, srv := range servers {
		for ss := range srv.Sessions() {
			_ = ss.Close()
		}
	}
}

// mcpTenant returns the tenant's MCP server, making it on first use.
func (s *Server) mcpTenant(ctx context.Context, tenant string) (*tenantMCP, error) {
	s.mcp.mu.Lock()
	t, ok := s.mcp.byTenant[tenant]
	if !ok {
		t = &tenantMCP{tenant: tenant, prefix: rand.Text()[:10] + "-", tools: map[string]string{}}
		t.srv = mcp.NewServer(&mcp.Implementation{Name: "reef", Title: "reef claws", Version: s.Version}, &mcp.ServerOptions{
			Logger:       s.Log,
			Instructions: "Each ask_<claw> tool sends a message to one of reef's claws (persistent agents) and returns its reply. Resources hold the claws' session transcripts and long-term memories.",
			GetSessionID: func() string { return t.prefix + rand.Text() },
			Capabilities: &mcp.ServerCapabilities{
				Tools:     &mcp.ToolCapabilities{ListChanged: true},
				Resources: &mcp.ResourceCapabilities{ListChanged: true},
			},
		})
		t.srv.AddResourceTemplate(&mcp.ResourceTemplate{
			Name: "session", Title: "Session transcript", MIMEType: "application/json",
			URITemplate: "reef://claws/{claw}/sessions/{session}",
			Description: "The messages of one session of a claw, oldest first (at most the newest 500).",
		}, s.mcpReadResource(t))
		t.srv.AddResourceTemplate(&mcp.ResourceTemplate{
			Name: "memory", Title: "Memory", MIMEType: "application/json",
			URITemplate: "reef://claws/{claw}/memory/{id}",
			Description: "One long-term memory of a claw (written with memory_write, or a chunk of a workspace memory file).",
		}, s.mcpReadResource(t))
		s.mcp.byTenant[tenant] = t
	}
	s.mcp.mu.Unlock()
	if !ok {
		if err := s.mcpSync(ctx, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// mcpClawsChanged brings a tenant's MCP server, if it has one, up to date
// after an apply.
func (s *Server) mcpClawsChanged(tenant string) {
	s.mcp.mu.Lock()
	t := s.mcp.byTenant[tenant]
	s.mcp.mu.Unlock()
	if t == nil {
		return
	}
	if err := s.mcpSync(context.Background(), t); err != nil {
		s.Log.Error("mcp: update tool list", "tenant", tenant, "err", err)
	}
}

// clawDeleted updates the MCP tool list and tells the node.
func (s *Server) clawDeleted(ref claw.Ref) {
	s.mcpClawsChanged(ref.Tenant)
	if s.OnClawDeleted != nil {
		s.OnClawDeleted(ref)
	}
}

// mcpSync makes the server's tools and resources those of the tenant's
// claws now; the SDK announces each change to connected sessions.
func (s *Server) mcpSync(ctx context.Context, t *tenantMCP) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs, err := s.Store.ListClaws(ctx, t.tenant)
	if err != nil {
		return err
	}
	want := make(map[string]bool, len(cs))
	for _, c := range cs {
		name := AskToolName(c.Name)
		want[name] = true
		desc := askDescription(c)
		if old, ok := t.tools[name]; ok && old == desc {
			continue
		}
		t.srv.AddTool(&mcp.Tool{
			Name: name, Title: "Ask " + c.Name, Description: desc,
			InputSchema: json.RawMessage(askSchema),
			Annotations: &mcp.ToolAnnotations{OpenWorldHint: new(true)},
		}, s.mcpAsk(t.tenant, c.Name))
		if _, ok := t.tools[name]; !ok {
			t.srv.AddResource(&mcp.Resource{
				URI: sessionsURI(c.Name), Name: c.Name + "-sessions", Title: "Sessions of " + c.Name,
				MIMEType: "application/json", Description: "The sessions of claw " + c.Name + ", most recent first.",
			}, s.mcpReadResource(t))
			t.srv.AddResource(&mcp.Resource{
				URI: memoryURI(c.Name), Name: c.Name + "-memory", Title: "Memory of " + c.Name,
				MIMEType: "application/json", Description: fmt.Sprintf("The newest %d long-term memories of claw %s, newest first.", maxMemories, c.Name),
			}, s.mcpReadResource(t))
		}
		t.tools[name] = desc
	}
	var gone []string
	var goneURIs []string
	for name := range t.tools {
		if !want[name] {
			gone = append(gone, name)
			gc := strings.ReplaceAll(strings.TrimPrefix(name, "ask_"), "_", "-")
			goneURIs = append(goneURIs, sessionsURI(gc), memoryURI(gc))
			delete(t.tools, name)
		}
	}
	if len(gone) > 0 {
		t.srv.RemoveTools(gone...)
		t.srv.RemoveResources(goneURIs...)
	}
	return nil
}

const askSchema = `{"type":"object","properties":{` +
	`"message":{"type":"string","description":"The message for the claw."},` +
	`"session":{"type":"string","description":"The claw's conversation to continue (1-128 printable ASCII characters; default \"main\")."}},` +
	`"required":["message"],"additionalProperties":false}`

// askDescription describes a claw's tool: its name and the start of its
// instructions.
func askDescription(c claw.Claw) string {
	d := fmt.Sprintf("Send a message to the claw (AI agent) %q and return its reply.", c.Name)
	if ins := strings.TrimSpace(c.Spec.Instructions); ins != "" {
		if r := []rune(ins); len(r) > 300 {
			ins = string(r[:300]) + "..."
		}
		d += " Its instructions: " + ins
	}
	return d
}

// mcpAsk is the handler of ask_<claw>: the message becomes an event in the
// claw's mailbox, and the call returns when its run ends.
func (s *Server) mcpAsk(tenant, name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if err := s.mcpAllowed(ctx, req.Extra, claw.ActInvoke, name); err != nil {
			return toolError("%s", claw.ErrorMessage(err)), nil
		}
		var a struct {
			Message string `json:"message"`
			Session string `json:"session"`
		}
		if err := json.Unmarshal(req.Params.Arguments, &a); err != nil {
			return toolError("arguments must be an object with a string \"message\": %v", err), nil
		}
		if a.Message == "" {
			return toolError("message is required"), nil
		}
		if a.Session == "" {
			a.Session = claw.DefaultSession
		}
		if !sessionOK(a.Session) {
			return toolError("session must be 1-128 printable ASCII characters without spaces"), nil
		}
		ref := claw.Ref{Tenant: tenant, Name: name}
		if err := s.refuseUnderReserve(nil); err != nil {
			return toolError("%s", claw.ErrorMessage(err)), nil
		}
		if err := s.admitRate(ctx, tenant); err != nil {
			return toolError("%s", claw.ErrorMessage(err)), nil
		}
		ev, _, err := s.Store.Enqueue(ctx, claw.Ref{Tenant: tenant, Name: name}, claw.NewEvent{
			Kind: claw.KindMessage, IdempotencyKey: randomKey(), Session: a.Session, Text: a.Message,
		})
		if err != nil {
			return toolError("%s", claw.ErrorMessage(err)), nil
		}
		ended, stop := s.Wake.Watch(ref, ev.ID)
		defer stop()
		s.Wake.Notify(ref)
		t := time.NewTimer(MaxWait)
		defer t.Stop()
		select {
		case <-ended:
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if ev, err = s.Store.GetEvent(ctx, claw.Ref{Tenant: tenant, Name: name}, ev.ID); err != nil {
			return nil, err
		}
		switch ev.Status {
		case claw.EventCompleted:
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: ev.Reply}}}, nil
		case claw.EventFailed:
			return toolError("claw %s failed: %s", name, ev.Error), nil
		default:
			return toolError("claw %s gave no reply within %s (event %d is still %s)", name, MaxWait, ev.ID, ev.Status), nil
		}
	}
}

// mcpAllowed checks the token of an MCP request (each request carries
// it) for a method: its role must grant act, and name, when set, must be
// a claw it reaches (otherwise the claw is "not found", as a missing one).
func (s *Server) mcpAllowed(ctx context.Context, extra *mcp.RequestExtra, act claw.Action, name string) error {
	if extra == nil {
		return claw.Errorf(claw.EUNAUTHORIZED, "missing bearer token")
	}
	tok, err := s.bearer(ctx, extra.Header)
	if err != nil {
		return err
	}
	if !tok.Role.Can(act) {
		return claw.Forbidden(tok.Role, act)
	}
	if name != "" && !tok.Reaches(name) {
		return unreached(name)
	}
	return nil
}

func toolError(format string, args ...any) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf(format, args...)}}}
}

// mcpRoutes serve the MCP server over streamable HTTP.
func (s *Server) mcpRoutes(t *routeTable) {
	t.mcp("/mcp", claw.ActInvoke, s.mcpHandler())
}
