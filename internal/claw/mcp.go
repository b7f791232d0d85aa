package claw

import "time"

// DefaultMCPTimeout bounds one call of an MCP server's tool when the spec
// sets no timeout.
const DefaultMCPTimeout = 60 * time.Second

// MCPServer is one entry of a spec's "mcp" list: an MCP server whose tools
// the claw's model may call as NAME__TOOL. Exactly one of Command (a stdio
// server the node starts in the claw's workspace) and URL (a streamable
// HTTP server) is set.
type MCPServer struct {
	Name    string            `json:"name"`
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Timeout bounds one tool call (default 60s).
	Timeout Duration `json:"timeout,omitzero"`
}
