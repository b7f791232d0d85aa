// Package llm is reef's seam to language-model providers: the request and
// response types every provider speaks, and the registry that resolves a
// claw's "provider/model" to a provider. Implementations live in
// llm/openai and llm/anthropic; llm/llmtest is a scripted fake server that
// speaks both wire protocols over real HTTP.
package llm

import (
	"context"
	"encoding/json"
	"fmt"
)

// Role is the author of a message.
type Role string

// Roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one turn sent to or received from a model.
type Message struct {
	Role       Role
	Content    string
	ToolCalls  []ToolCall // assistant turns that call tools
	ToolCallID string     // RoleTool: the call this result answers
}

// ToolCall is a model's request to call a tool.
type ToolCall struct {
	ID        string
	Name      string
	Arguments json.RawMessage // a JSON object
}

// ToolDef describes a tool to the model.
type ToolDef struct {
	Name        string
	Description string
	Parameters  json.RawMessage // JSON Schema of the arguments object
}

// Request is one model call.
type Request struct {
	Model     string // the model name at the provider (without the "provider/" prefix)
	System    string
	Messages  []Message
	Tools     []ToolDef
	MaxTokens int // output cap; 0 lets the provider choose (Anthropic needs one: 4096 is used)

	// OnText, when set, makes the call stream and receives each text delta
	// as it arrives. The returned Response is the same either way.
	OnText func(delta string)
}

// Usage counts tokens of one call.
type Usage struct {
	InputTokens  int
	OutputTokens int
}

// Response is the model's answer.
type Response struct {
	Message    Message // Role is RoleAssistant
	Usage      Usage
	StopReason string
}

// Provider calls one model provider. Complete returns an *Error for
// failures the provider reported (after the provider's own retries on 429
// and 5xx, honouring Retry-After); other errors are transport or context
// errors.
type Provider interface {
	Complete(ctx context.Context, req Request) (Response, error)
}

// Error is a failure reported by a provider.
type Error struct {
	Provider string
	Status   int // HTTP status, 0 when not an HTTP failure
	Message  string
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Provider, e.Message)
}
