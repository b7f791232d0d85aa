package script

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reefhq/reef/internal/llm"
)

// Provider is an in-process llm.Provider answering with an Engine: no
// network, the same language as the fake model server.
type Provider struct {
	name   string
	engine *Engine
	ids    atomic.Uint64
}

var _ llm.Provider = (*Provider)(nil)

// NewProvider returns a provider named name (in its errors) that answers
// with engine; a nil engine has no rules.
func NewProvider(name string, engine *Engine) *Provider {
	if engine == nil {
		engine = New()
	}
	return &Provider{name: name, engine: engine}
}

// Complete answers req as the engine decides: it waits the reply's delay,
// fails with an *llm.Error carrying the scripted status, and streams the
// text through req.OnText in word-sized pieces, pausing between them. It
// returns ctx's error when ctx ends first.
func (p *Provider) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	r := p.engine.Decide(req)
	if err := wait(ctx, r.Delay); err != nil {
		return llm.Response{}, err
	}
	if r.Status != 0 {
		return llm.Response{}, &llm.Error{Provider: p.name, Status: r.Status, Message: r.Message}
	}
	if req.OnText != nil {
		for i, piece := range Pieces(r.Text) {
			if i > 0 {
				if err := wait(ctx, r.ChunkDelay); err != nil {
					return llm.Response{}, err
				}
			}
			req.OnText(piece)
		}
	}
	id := strconv.FormatUint(p.ids.Add(1), 10)
	calls := make([]llm.ToolCall, len(r.ToolCalls))
	for i, tc := range r.ToolCalls {
		tc.ID = "call_script_" + id + "_" + strconv.Itoa(i)
		calls[i] = tc
	}
	stop := "end_turn"
	if len(calls) > 0 {
		stop = "tool_use"
	}
	usage := llm.Usage{InputTokens: r.InputTokens, OutputTokens: r.OutputTokens}
	if usage.InputTokens == 0 {
		usage.InputTokens = inputEstimate(req)
	}
	if usage.OutputTokens == 0 {
		usage.OutputTokens = outputEstimate(r)
	}
	return llm.Response{
		Message:    llm.Message{Role: llm.RoleAssistant, Content: r.Text, ToolCalls: calls},
		Usage:      usage,
		StopReason: stop,
	}, nil
}

// wait pauses for d or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scripted model: %w", ctx.Err())
	}
}

// Pieces cuts text into stream deltas of about one word each, keeping
// every byte, so that the pieces concatenate back to text.
func Pieces(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexByte(text[1:], ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+2])
		text = text[i+2:]
	}
	return out
}

// inputEstimate guesses the input tokens of req, about four bytes a token.
func inputEstimate(req llm.Request) int {
	n := len(req.System)
	for _, m := range req.Messages {
		n += len(m.Content)
		for _, tc := range m.ToolCalls {
			n += len(tc.Name) + len(tc.Arguments)
		}
	}
	return n/4 + 1
}

// outputEstimate guesses the output tokens of r, about four bytes a token.
func outputEstimate(r Reply) int {
	n := len(r.Text)
	for _, tc := range r.ToolCalls {
		n += len(tc.Name) + len(tc.Arguments)
	}
	return n/4 + 1
}
