package httpapi

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/claw"
)

// maxTranscript is how many of a session's newest messages a resource
// holds.
const maxTranscript = 500

// sessionsURI is the resource listing a claw's sessions.
func sessionsURI(clawName string) string { return "reef://claws/" + clawName + "/sessions" }

// sessionURI is the resource of one session's transcript.
func sessionURI(clawName, session string) string {
	return sessionsURI(clawName) + "/" + url.PathEscape(session)
}

// sessionEntry is one session in a claw's sessions resource.
type sessionEntry struct {
	Session  string `json:"session"`
	URI      string `json:"uri"`
	Messages int    `json:"messages"`
	LastAt   string `json:"last_at"`
}

// maxMemories is how many of a claw's newest memories its memory resource
// holds.
const maxMemories = 100

// memoryURI is the resource listing a claw's newest memories.
func memoryURI(clawName string) string { return "reef://claws/" + clawName + "/memory" }

// mcpReadResource reads reef://claws/{claw}/sessions,
// reef://claws/{claw}/sessions/{session}, reef://claws/{claw}/memory and
// reef://claws/{claw}/memory/{id} within the tenant.
func (s *Server) mcpReadResource(t *tenantMCP) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		var body any
		name, session, ok := parseSessionURI(uri)
		owner := name
		if !ok {
			owner, _, _ = parseMemoryURI(uri)
		}
		if err := s.mcpAllowed(ctx, req.Extra, claw.ActRead, owner); err != nil {
			if claw.ErrorCode(err) == claw.ENOTFOUND {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			return nil, err
		}
		if !ok {
			mname, id, ok := parseMemoryURI(uri)
			if !ok {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			b, err := s.readMemory(ctx, t.tenant, mname, id)
			if claw.ErrorCode(err) == claw.ENOTFOUND {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			if err != nil {
				return nil, err
			}
			body = b
		} else if session == "" {
			ss, err := s.Store.ListSessions(ctx, claw.Ref{Tenant: t.tenant, Name: name}, 100)
			if claw.ErrorCode(err) == claw.ENOTFOUND {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			if err != nil {
				return nil, err
			}
			list := make([]sessionEntry, 0, len(ss))
			for _, x := range ss {
				list = append(list, sessionEntry{Session: x.Session, URI: sessionURI(name, x.Session), Messages: x.Messages, LastAt: x.UpdatedAt.Format("2006-01-02T15:04:05.000000Z07:00")})
			}
			body = map[string]any{"claw": name, "sessions": list}
		} else {
			if _, err := s.Store.GetClaw(ctx, claw.Ref{Tenant: t.tenant, Name: name}); err != nil {
				if claw.ErrorCode(err) == claw.ENOTFOUND {
					return nil, mcp.ResourceNotFoundError(uri)
				}
				return nil, err
			}
			msgs, err := s.Store.SessionMessages(ctx, claw.Ref{Tenant: t.tenant, Name: name}, session, maxTranscript)
			if err != nil {
				return nil, err
			}
			if len(msgs) == 0 {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			body = map[string]any{"claw": name, "session": session, "messages": msgs}
		}
		b, err := json.MarshalIndent(body, "", "  ")
		if err != nil {
			return nil, err
		}
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
	}
}

// readMemory is the body of a memory resource: the claw's newest memories
// (id 0) or one memory.
func (s *Server) readMemory(ctx context.Context, tenant, name string, id int64) (any, error) {
	if id != 0 {
		m, err := s.Store.GetMemory(ctx, claw.Ref{Tenant: tenant, Name: name}, id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"claw": name, "memory": m}, nil
	}
	ms, err := s.Store.ListMemories(ctx, claw.Ref{Tenant: tenant, Name: name}, maxMemories)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []claw.Memory{}
	}
	return map[string]any{"claw": name, "memories": ms}, nil
}

// parseMemoryURI reads reef://claws/{claw}/memory (id 0) and
// reef://claws/{claw}/memory/{id}, id a positive decimal integer.
func parseMemoryURI(uri string) (clawName string, id int64, ok bool) {
	clawName, rest, more, ok := splitClawURI(uri, "memory")
	if !ok || !more {
		return clawName, 0, ok
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != rest {
		return "", 0, false
	}
	return clawName, id, true
}

// splitClawURI splits reef://claws/{claw}/{kind}[/{rest}]; more says
// whether the URI goes on past kind (rest may then be empty).
func splitClawURI(uri, kind string) (clawName, rest string, more, ok bool) {
	after, ok := strings.CutPrefix(uri, "reef://claws/")
	if !ok {
		return "", "", false, false
	}
	parts := strings.SplitN(after, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] != kind {
		return "", "", false, false
	}
	if len(parts) == 2 {
		return parts[0], "", false, true
	}
	return parts[0], parts[2], true, true
}

// parseSessionURI reads reef://claws/{claw}/sessions (session "") and
// reef://claws/{claw}/sessions/{session}, the session path-escaped.
func parseSessionURI(uri string) (clawName, session string, ok bool) {
	clawName, rest, more, ok := splitClawURI(uri, "sessions")
	if !ok || !more {
		return clawName, "", ok
	}
	session, err := url.PathUnescape(rest)
	if err != nil || !sessionOK(session) {
		return "", "", false
	}
	return clawName, session, true
}
