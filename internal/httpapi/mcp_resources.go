package httpapi

import (
	"context"
	"encoding/json"
	"net/url"
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

// mcpReadResource reads reef://claws/{claw}/sessions and
// reef://claws/{claw}/sessions/{session} within the tenant.
func (s *Server) mcpReadResource(t *tenantMCP) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		name, session, ok := parseSessionURI(uri)
		if !ok {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		var body any
		if session == "" {
			ss, err := s.Store.ClawSessions(ctx, t.tenant, name, 100)
			if claw.ErrorCode(err) == claw.ENOTFOUND {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			if err != nil {
				return nil, err
			}
			list := make([]sessionEntry, 0, len(ss))
			for _, x := range ss {
				list = append(list, sessionEntry{Session: x.Session, URI: sessionURI(name, x.Session), Messages: x.Messages, LastAt: x.LastAt.Format("2006-01-02T15:04:05.000000Z07:00")})
			}
			body = map[string]any{"claw": name, "sessions": list}
		} else {
			if _, err := s.Store.GetClaw(ctx, t.tenant, name); err != nil {
				if claw.ErrorCode(err) == claw.ENOTFOUND {
					return nil, mcp.ResourceNotFoundError(uri)
				}
				return nil, err
			}
			msgs, err := s.Store.SessionMessages(ctx, t.tenant, name, session, maxTranscript)
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

// parseSessionURI reads reef://claws/{claw}/sessions (session "") and
// reef://claws/{claw}/sessions/{session}, the session path-escaped.
func parseSessionURI(uri string) (clawName, session string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "reef://claws/")
	if !ok {
		return "", "", false
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] != "sessions" {
		return "", "", false
	}
	if len(parts) == 2 {
		return parts[0], "", true
	}
	session, err := url.PathUnescape(parts[2])
	if err != nil || !sessionOK(session) {
		return "", "", false
	}
	return parts[0], session, true
}
