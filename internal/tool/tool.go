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
	Call(ctx context.Context, args json.RawMessage) (string, error)
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
func (Echo) Call(_ context.Context, args json.RawMessage) (string, error) {
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
