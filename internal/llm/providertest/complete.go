package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// testText sends one text turn and checks the reply, the streamed deltas
// and the request the server received.
func testText(t *testing.T, s *suite, stream bool) {
	p, srv := s.setup(t, llmtest.Echo, 0)
	deltas := streamInto(stream)
	req := request("hello there world", deltas)
	req.MaxTokens = 77
	resp, err := p.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	const want = "echo: hello there world"
	if resp.Message.Role != llm.RoleAssistant || resp.Message.Content != want {
		t.Errorf("message = %+v, want assistant %q", resp.Message, want)
	}
	if resp.StopReason != s.spec.StopText {
		t.Errorf("stop reason = %q, want %s", resp.StopReason, s.spec.StopText)
	}
	if resp.Usage.InputTokens <= 0 || resp.Usage.OutputTokens <= 0 {
		t.Errorf("usage = %+v, want positive counts", resp.Usage)
	}
	if stream {
		if len(*deltas) < 2 || strings.Join(*deltas, "") != want {
			t.Errorf("deltas = %q, want several joining to %q", *deltas, want)
		}
	}
	calls := s.calls(t, srv)
	if len(calls) != 1 {
		t.Fatalf("calls = %d, want 1", len(calls))
	}
	c := calls[0]
	if c.Protocol != s.spec.Protocol || c.Model != testModel || c.System != "be brief" || c.MaxTokens != 77 {
		t.Errorf("call = %+v, want %s %s with system prompt and max tokens", c, s.spec.Protocol, testModel)
	}
	if c.Stream != stream {
		t.Errorf("stream = %v, want %v", c.Stream, stream)
	}
}

// testToolRoundTrip has the model call two tools, sends their results
// back, and checks the tool calls both ways.
func testToolRoundTrip(t *testing.T, s *suite, stream bool) {
	p, srv := s.setup(t, llmtest.Script(
		llmtest.Reply{ToolCalls: []llm.ToolCall{
			llmtest.ToolCall("call_1", "weather", map[string]string{"city": "Oslo"}),
			llmtest.ToolCall("call_2", "time", map[string]string{"tz": "CET"}),
		}},
		llmtest.Reply{Text: "Sunny at noon."},
	), 0)
	req := request("weather in Oslo?", streamInto(stream))
	req.Tools = []llm.ToolDef{
		{Name: "weather", Description: "Weather now", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)},
		{Name: "time", Parameters: json.RawMessage(`{"type":"object"}`)},
	}
	resp, err := p.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.StopReason != s.spec.StopTools || len(resp.Message.ToolCalls) != 2 {
		t.Fatalf("response = %+v, want two tool calls and stop reason %s", resp, s.spec.StopTools)
	}
	tc := resp.Message.ToolCalls[0]
	if tc.ID != "call_1" || tc.Name != "weather" || string(tc.Arguments) != `{"city":"Oslo"}` {
		t.Errorf("tool call = %+v %s", tc, tc.Arguments)
	}

	req.Messages = append(req.Messages, resp.Message,
		llm.Message{Role: llm.RoleTool, ToolCallID: "call_1", Content: "12C, sun"},
		llm.Message{Role: llm.RoleTool, ToolCallID: "call_2", Content: "12:00"})
	resp, err = p.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("Complete after tool: %v", err)
	}
	if resp.Message.Content != "Sunny at noon." {
		t.Errorf("final = %q", resp.Message.Content)
	}

	calls := s.calls(t, srv)
	if len(calls) != 2 {
		t.Fatalf("calls = %d, want 2", len(calls))
	}
	if got := strings.Join(calls[0].Tools, ","); got != "weather,time" {
		t.Errorf("tools = %q", got)
	}
	msgs := calls[1].Messages
	if len(msgs) != 4 {
		t.Fatalf("second call messages = %+v, want 4", msgs)
	}
	if a := msgs[1]; a.Role != llm.RoleAssistant || len(a.ToolCalls) != 2 || a.ToolCalls[1].ID != "call_2" || string(a.ToolCalls[1].Arguments) != `{"tz":"CET"}` {
		t.Errorf("assistant turn = %+v", a)
	}
	if r := msgs[2]; r.Role != llm.RoleTool || r.ToolCallID != "call_1" || r.Content != "12C, sun" {
		t.Errorf("tool result = %+v", r)
	}
}

// testCanceled checks that a canceled context surfaces as
// context.Canceled, not as a provider error.
func testCanceled(t *testing.T, s *suite) {
	p, _ := s.setup(t, llmtest.Echo, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Complete(ctx, request("hi", nil))
	var le *llm.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &le) {
		t.Fatalf("err = %v, want context.Canceled and no *llm.Error", err)
	}
}

// testBadToolSchema checks that a tool schema that is not JSON fails the
// call before anything is sent.
func testBadToolSchema(t *testing.T, s *suite) {
	p, srv := s.setup(t, llmtest.Echo, 0)
	req := request("hi", nil)
	req.Tools = []llm.ToolDef{{Name: "x", Parameters: json.RawMessage(`{nope`)}}
	if _, err := p.Complete(t.Context(), req); err == nil || !strings.Contains(err.Error(), `tool "x"`) {
		t.Fatalf("err = %v, want tool schema error", err)
	}
	if srv.CallCount() != 0 {
		t.Errorf("calls = %d, want 0", srv.CallCount())
	}
}
