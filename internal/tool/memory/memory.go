// Package memory is the long-term memory tool family: memory_write,
// memory_search, memory_get and memory_forget. Every call is scoped to the
// calling claw of its tenant (tool.Env.Claw); the claw's workspace memory
// files (MEMORY.md, memory/YYYY-MM-DD.md) are indexed before a search.
package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/workspace"
)

// Limits of what a claw may write.
const (
	MaxText      = 4000
	MaxTags      = 16
	DefaultLimit = 5
	MaxLimit     = 50
)

var tagRE = regexp.MustCompile(`^[\pL\pN_-]{1,32}$`)

// Tools returns the four memory tools over st.
func Tools(st store.Memory) []tool.Tool {
	return []tool.Tool{write{st}, search{st}, get{st}, forget{st}}
}

func decode(name string, args json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(args)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: arguments: %w", name, err)
	}
	return nil
}

func render(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode result: %w", err)
	}
	return string(b), nil
}

type write struct{ st store.Memory }

var _ tool.Tool = write{}

func (write) Name() string { return "memory_write" }
func (write) Description() string {
	return "Store a durable fact in your long-term memory (kept across sessions and restarts). One fact per call; optional tags help finding it."
}
func (write) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"text":{"type":"string","description":"The fact to remember, self-contained."},"tags":{"type":"array","items":{"type":"string"},"description":"Optional single-word tags."}},"required":["text"],"additionalProperties":false}`)
}
func (write) Idempotent() bool { return false }
func (t write) Call(ctx context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Text string   `json:"text"`
		Tags []string `json:"tags"`
	}
	if err := decode(t.Name(), args, &a); err != nil {
		return "", err
	}
	a.Text = strings.TrimSpace(a.Text)
	switch {
	case a.Text == "":
		return "", fmt.Errorf("memory_write: text is required")
	case len(a.Text) > MaxText:
		return "", fmt.Errorf("memory_write: text is %d bytes, at most %d", len(a.Text), MaxText)
	case len(a.Tags) > MaxTags:
		return "", fmt.Errorf("memory_write: at most %d tags", MaxTags)
	}
	for _, tag := range a.Tags {
		if !tagRE.MatchString(tag) {
			return "", fmt.Errorf("memory_write: tag %q must be 1 to 32 letters, digits, '-' or '_'", tag)
		}
	}
	m, err := t.st.WriteMemory(ctx, claw.Ref{Tenant: env.Claw.Tenant, Name: env.Claw.Name}, claw.Memory{Text: a.Text, Tags: a.Tags})
	if err != nil {
		return "", err
	}
	return render(map[string]any{"id": m.ID, "stored": true})
}

type search struct{ st store.Memory }

var _ tool.Tool = search{}

func (search) Name() string { return "memory_search" }
func (search) Description() string {
	return "Search your long-term memory (facts you stored with memory_write, and your MEMORY.md and memory/YYYY-MM-DD.md files) by words; best matches first."
}
func (search) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"Words to look for."},"limit":{"type":"integer","minimum":1,"maximum":50,"description":"Most results to return (default 5)."}},"required":["query"],"additionalProperties":false}`)
}
func (search) Idempotent() bool { return true }
func (t search) Call(ctx context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Query string `json:"query"`
		Limit int    `json:"limit"`
	}
	if err := decode(t.Name(), args, &a); err != nil {
		return "", err
	}
	if a.Limit == 0 {
		a.Limit = DefaultLimit
	}
	if a.Limit < 1 || a.Limit > MaxLimit {
		return "", fmt.Errorf("memory_search: limit must be between 1 and %d", MaxLimit)
	}
	if err := workspace.SyncMemory(ctx, t.st, claw.Ref{Tenant: env.Claw.Tenant, Name: env.Claw.Name}, env.Workspace); err != nil {
		return "", fmt.Errorf("memory_search: index memory files: %w", err)
	}
	found, err := t.st.SearchMemory(ctx, claw.Ref{Tenant: env.Claw.Tenant, Name: env.Claw.Name}, a.Query, a.Limit)
	if err != nil {
		return "", err
	}
	if found == nil {
		found = []claw.Memory{}
	}
	return render(map[string]any{"results": found})
}

type get struct{ st store.Memory }

var _ tool.Tool = get{}

func (get) Name() string        { return "memory_get" }
func (get) Description() string { return "Read one memory by its id." }
func (get) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"id":{"type":"integer","description":"The memory's id."}},"required":["id"],"additionalProperties":false}`)
}
func (get) Idempotent() bool { return true }
func (t get) Call(ctx context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		ID int64 `json:"id"`
	}
	if err := decode(t.Name(), args, &a); err != nil {
		return "", err
	}
	m, err := t.st.GetMemory(ctx, claw.Ref{Tenant: env.Claw.Tenant, Name: env.Claw.Name}, a.ID)
	if err != nil {
		return "", err
	}
	return render(m)
}

type forget struct{ st store.Memory }

var _ tool.Tool = forget{}

func (forget) Name() string { return "memory_forget" }
func (forget) Description() string {
	return "Delete a memory you stored, by its id (memories from workspace files change with their file)."
}
func (forget) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"id":{"type":"integer","description":"The memory's id."}},"required":["id"],"additionalProperties":false}`)
}
func (forget) Idempotent() bool { return true }
func (t forget) Call(ctx context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		ID int64 `json:"id"`
	}
	if err := decode(t.Name(), args, &a); err != nil {
		return "", err
	}
	if err := t.st.ForgetMemory(ctx, claw.Ref{Tenant: env.Claw.Tenant, Name: env.Claw.Name}, a.ID); err != nil {
		return "", err
	}
	return render(map[string]any{"id": a.ID, "forgotten": true})
}
