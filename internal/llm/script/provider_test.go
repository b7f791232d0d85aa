package script_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/script"
)

// loop runs req against p as an agent does: it answers every tool call
// with run's result until the model replies with text only, and returns
// every response.
func loop(t *testing.T, p llm.Provider, req llm.Request, run func(llm.ToolCall) string) []llm.Response {
	t.Helper()
	var out []llm.Response
	for step := 0; step < 5; step++ {
		resp, err := p.Complete(t.Context(), req)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		out = append(out, resp)
		if len(resp.Message.ToolCalls) == 0 {
			return out
		}
		req.Messages = append(req.Messages, resp.Message)
		for _, tc := range resp.Message.ToolCalls {
			req.Messages = append(req.Messages, llm.Message{Role: llm.RoleTool, ToolCallID: tc.ID, Content: run(tc)})
		}
	}
	t.Fatal("no final answer after 5 steps")
	return nil
}

func TestProviderToolLoop(t *testing.T) {
	t.Parallel()
	p := script.NewProvider("builtin", nil)
	req := user("/tool shell {\"command\": \"echo hi\"}\n/usage 7 3")
	var ran []string
	resps := loop(t, p, req, func(tc llm.ToolCall) string {
		ran = append(ran, tc.Name+" "+string(tc.Arguments))
		return "hi\n"
	})
	if len(resps) != 2 {
		t.Fatalf("got %d responses, want a tool call then an answer", len(resps))
	}
	first, last := resps[0], resps[1]
	if len(first.Message.ToolCalls) != 1 || first.Message.ToolCalls[0].ID == "" || first.StopReason != "tool_use" {
		t.Fatalf("first response %+v: want one tool call with an id", first)
	}
	if want := []string{`shell {"command":"echo hi"}`}; len(ran) != 1 || ran[0] != want[0] {
		t.Fatalf("ran %q, want %q", ran, want)
	}
	if last.Message.Content != "tool shell returned: hi" || last.StopReason != "end_turn" {
		t.Fatalf("final answer %+v", last)
	}
	if last.Usage != (llm.Usage{InputTokens: 7, OutputTokens: 3}) {
		t.Fatalf("usage %+v, want 7/3", last.Usage)
	}
}

func TestProviderStream(t *testing.T) {
	t.Parallel()
	p := script.NewProvider("builtin", nil)
	req := user("/stream 1ms\n/say one two three")
	var deltas []string
	req.OnText = func(d string) { deltas = append(deltas, d) }
	resp, err := p.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(deltas) != 3 || strings.Join(deltas, "") != "one two three" || resp.Message.Content != "one two three" {
		t.Fatalf("deltas %q, content %q", deltas, resp.Message.Content)
	}
	if resp.Usage.InputTokens == 0 || resp.Usage.OutputTokens == 0 {
		t.Fatalf("usage %+v, want estimates", resp.Usage)
	}
}

func TestProviderFail(t *testing.T) {
	t.Parallel()
	p := script.NewProvider("builtin", nil)
	_, err := p.Complete(t.Context(), user("/fail 503 overloaded"))
	var lerr *llm.Error
	if !errors.As(err, &lerr) || lerr.Status != 503 || lerr.Message != "overloaded" || lerr.Provider != "builtin" {
		t.Fatalf("err = %v, want an *llm.Error with 503", err)
	}
}

func TestProviderSleepHonoursContext(t *testing.T) {
	t.Parallel()
	p := script.NewProvider("builtin", nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	_, err := p.Complete(ctx, user("/sleep 1h"))
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Minute {
		t.Fatalf("err = %v, want context.Canceled at once", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	_, err = p.Complete(ctx, user("/sleep 1h"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
}
