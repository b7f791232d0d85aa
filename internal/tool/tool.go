// Package tool is reef's tool registry: the Tool interface a claw's model
// can call, and the Registry a claw's spec selects its tools from. Tool
// families live in their own packages; this one holds only the seam and the
// trivial built-in "echo" tool.
package tool

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/reefhq/reef/internal/claw"
)

// Tool is one callable tool.
//
// Call returns the text given back to the model. An error is also given
// back to the model, as the tool's result, never as a crash of the run.
type Tool interface {
	Name() string
	Description() string
	// Schema is the JSON Schema of the arguments object.
	Schema() json.RawMessage
	// Idempotent reports whether re-running a call with the same
	// arguments is harmless; after a crash, a call that was started but
	// not recorded as finished is re-run only when this is true.
	Idempotent() bool
	Call(ctx context.Context, env Env, args json.RawMessage) (string, error)
}

// Env is what one tool call knows of the claw, event and run it serves.
// Tools that touch the OS confine themselves to Workspace; tools that
// touch the store scope every call to Claw.Tenant and Claw.Name.
type Env struct {
	Claw  claw.Claw  // the claw, with the spec version the run uses
	Event claw.Event // the event being processed
	RunID int64
	// Workspace is the absolute path of the claw's workspace directory
	// (DATA/workspaces/TENANT/CLAW unless the spec names another); it
	// exists when the call is made. Empty when the node has none.
	Workspace string
	// CallID is the model's id of this tool call, stable across a resumed
	// run: tools key idempotent side effects on RunID and CallID.
	CallID string
	// Lend, when not nil, gives back the run's worker slot while the call
	// waits for another claw; the returned function takes a slot again and
	// must be called before the call returns (claw.RunControl).
	Lend func() (reclaim func())
}

// Source gives a claw the tools of one run. A Registry is a Source that
// selects the spec's "tools"; sources of per-claw tools (MCP servers,
// skills) are combined with Sources.
type Source interface {
	Tools(ctx context.Context, c claw.Claw) ([]Tool, error)
}

// Sources combines sources in order; a tool name given by two of them is
// an error.
type Sources []Source

var _ Source = Sources(nil)

// Tools returns every source's tools for c.
func (ss Sources) Tools(ctx context.Context, c claw.Claw) ([]Tool, error) {
	var out []Tool
	seen := map[string]bool{}
	for _, s := range ss {
		ts, err := s.Tools(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if seen[t.Name()] {
				return nil, fmt.Errorf("tool %q is defined twice", t.Name())
			}
			seen[t.Name()] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// Registry holds the tools a node offers.
type Registry struct {
	tools map[string]Tool
}

// NewRegistry returns a registry holding tools.
func NewRegistry(tools ...Tool) *Registry {
	r := &Registry{tools: make(map[string]Tool, len(tools))}
	for _, t := range tools {
		r.tools[t.Name()] = t
	}
	return r
}

// Get returns the named tool.
func (r *Registry) Get(name string) (Tool, bool) {
	t, ok := r.tools[name]
	return t, ok
}

// Names lists the registered tool names in order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.tools))
	for n := range r.tools {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Tools selects the tools c's spec lists.
func (r *Registry) Tools(_ context.Context, c claw.Claw) ([]Tool, error) {
	return r.Select(c.Spec.Tools)
}

var _ Source = (*Registry)(nil)

// Select returns the named tools, in the order given, or an error naming
// every unknown one.
func (r *Registry) Select(names []string) ([]Tool, error) {
	out := make([]Tool, 0, len(names))
	var unknown []string
	for _, n := range names {
		t, ok := r.tools[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, t)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown tool %s (available: %s)", strings.Join(unknown, ", "), strings.Join(r.Names(), ", "))
	}
	return out, nil
}

// Echo is the trivial built-in tool: it returns its "text" argument.
type Echo struct{}

var _ Tool = Echo{}

// Name is "echo".
func (Echo) Name() string { return "echo" }

// Description tells the model what echo does.
func (Echo) Description() string { return "Returns the given text unchanged." }

// Schema requires a string "text".
func (Echo) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"text":{"type":"string","description":"The text to return."}},"required":["text"],"additionalProperties":false}`)
}

// Idempotent is true: echo has no side effects.
func (Echo) Idempotent() bool { return true }

// Call returns args.text.
func (Echo) Call(_ context.Context, _ Env, args json.RawMessage) (string, error) {
	var a struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return "", fmt.Errorf("echo: arguments must be a JSON object: %w", err)
	}
	if a.Text == nil {
		return "", fmt.Errorf("echo: missing required argument \"text\"")
	}
	return *a.Text, nil
}
