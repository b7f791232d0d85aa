package mcptool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
)

// Sep separates a server's name from its tool's name in the name the model
// sees: SERVER__TOOL.
const Sep = "__"

// maxToolName is the longest tool name the model providers accept.
const maxToolName = 64

// ToolName is the name the model sees for a server's tool: SERVER__TOOL,
// with every character other than letters, digits, '_' and '-' replaced by
// '_' (providers accept only those).
func ToolName(server, name string) string {
	var b strings.Builder
	b.WriteString(server)
	b.WriteString(Sep)
	for _, r := range name {
		if r < 128 && (r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// wrap turns a server's listed tools into reef tools. Tools whose names
// collide after mapping or are too long are left out, with a warning.
func (c *conn) wrap(listed []*mcp.Tool) []tool.Tool {
	out := make([]tool.Tool, 0, len(listed))
	seen := map[string]bool{}
	for _, t := range listed {
		name := ToolName(c.spec.Name, t.Name)
		if len(name) > maxToolName || seen[name] {
			c.m.cfg.Log.Warn("mcp tool left out: name too long or not unique once mapped",
				"tenant", c.key.tenant, "claw", c.key.claw, "server", c.spec.Name, "tool", t.Name, "as", name)
			continue
		}
		seen[name] = true
		schema, err := json.Marshal(t.InputSchema)
		if err != nil || t.InputSchema == nil || string(schema) == "null" {
			schema = json.RawMessage(`{"type":"object"}`)
		}
		idem := t.Annotations != nil && (t.Annotations.ReadOnlyHint || t.Annotations.IdempotentHint)
		desc := t.Description
		if desc == "" {
			desc = t.Title
		}
		out = append(out, &mcpTool{conn: c, name: name, remote: t.Name, desc: desc, schema: schema, idempotent: idem})
	}
	return out
}

// mcpTool is one tool of an MCP server as the model sees it.
type mcpTool struct {
	conn       *conn
	name       string // SERVER__TOOL
	remote     string // the server's own name for it
	desc       string
	schema     json.RawMessage
	idempotent bool
}

var _ tool.Tool = (*mcpTool)(nil)

func (t *mcpTool) Name() string            { return t.name }
func (t *mcpTool) Description() string     { return t.desc }
func (t *mcpTool) Schema() json.RawMessage { return t.schema }

// Idempotent follows the server's readOnlyHint or idempotentHint.
func (t *mcpTool) Idempotent() bool { return t.idempotent }

// Call calls the tool on its server within the server's timeout. The
// result's text content is joined; other content is given as JSON.
func (t *mcpTool) Call(ctx context.Context, _ tool.Env, args json.RawMessage) (string, error) {
	timeout := t.conn.spec.Timeout.Std()
	if timeout <= 0 {
		timeout = claw.DefaultMCPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cs, err := t.conn.sessionFor(ctx)
	if err != nil {
		return "", fmt.Errorf("mcp server %s: %w", t.conn.spec.Name, err)
	}
	var res *mcp.CallToolResult
	err = guard(func() error {
		var err error
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: t.remote, Arguments: args})
		return err
	})
	if err != nil {
		if broken(err) {
			t.conn.drop(cs, err) // the next call starts it again
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("%s: no result within %s", t.name, timeout.Round(time.Millisecond))
		}
		return "", fmt.Errorf("%s: %w", t.name, err)
	}
	text := resultText(res)
	if res.IsError {
		return "", fmt.Errorf("%s", text)
	}
	return text, nil
}

// broken reports whether a call's error means the connection is gone: not
// an answer of the server (a JSON-RPC error other than "client is
// closing"), nor the call's own timeout or cancellation.
func broken(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var werr *jsonrpc.Error
	if errors.As(err, &werr) && werr.Code != codeClientClosing {
		return false
	}
	return true
}

// codeClientClosing is the JSON-RPC code the SDK gives calls made on a
// connection that is closing.
const codeClientClosing = -32003

// resultText renders a tool result for the model.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
			continue
		}
		b, err := json.Marshal(c)
		if err != nil {
			b = []byte(fmt.Sprintf("%T", c))
		}
		parts = append(parts, string(b))
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}
