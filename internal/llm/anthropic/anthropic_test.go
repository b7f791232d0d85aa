package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/anthropic"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// setup starts a fake server with handler and returns a provider on it.
func setup(t *testing.T, handler llmtest.Handler, maxRetries int) (*anthropic.Provider, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewTest(t, handler)
	p := anthropic.New(anthropic.Config{Name: "an", BaseURL: srv.URL(), APIKey: "sk-test", MaxRetries: maxRetries})
	return p, srv
}

// request returns a one-turn request, streaming into deltas when non-nil.
func request(text string, deltas *[]string) llm.Request {
	req := llm.Request{
		Model:    "claude-test",
		System:   "be brief",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: text}},
	}
	if deltas != nil {
		req.OnText = func(d string) { *deltas = append(*deltas, d) }
	}
	return req
}

func TestCompleteText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stream bool
	}{{"json", false}, {"stream", true}} {
		stream := tc.stream
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, srv := setup(t, llmtest.Echo, 0)
			var deltas []string
			req := request("hello there world", nil)
			req.MaxTokens = 77
			if stream {
				req.OnText = func(d string) { deltas = append(deltas, d) }
			}
			resp, err := p.Complete(t.Context(), req)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			const want = "echo: hello there world"
			if resp.Message.Role != llm.RoleAssistant || resp.Message.Content != want {
				t.Errorf("message = %+v, want assistant %q", resp.Message, want)
			}
			if resp.StopReason != "end_turn" {
				t.Errorf("stop reason = %q, want end_turn", resp.StopReason)
			}
			if resp.Usage.InputTokens <= 0 || resp.Usage.OutputTokens <= 0 {
				t.Errorf("usage = %+v, want positive counts", resp.Usage)
			}
			if stream {
				if len(deltas) < 2 || strings.Join(deltas, "") != want {
					t.Errorf("deltas = %q, want several joining to %q", deltas, want)
				}
			}
			calls := srv.Calls()
			if len(calls) != 1 {
				t.Fatalf("calls = %d, want 1", len(calls))
			}
			c := calls[0]
			if c.Protocol != llmtest.ProtocolAnthropic || c.Model != "claude-test" || c.System != "be brief" || c.MaxTokens != 77 {
				t.Errorf("call = %+v, want anthropic claude-test with system prompt and max tokens", c)
			}
			if c.Stream != stream {
				t.Errorf("stream = %v, want %v", c.Stream, stream)
			}
			// SDK v2 sends the API key as a bearer token, not as x-api-key.
			if got := c.Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
			if c.Header.Get("Anthropic-Version") == "" {
				t.Error("no anthropic-version header")
			}
		})
	}
}

func TestCompleteToolRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stream bool
	}{{"json", false}, {"stream", true}} {
		stream := tc.stream
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, srv := setup(t, llmtest.Script(
				llmtest.Reply{ToolCalls: []llm.ToolCall{
					llmtest.ToolCall("call_1", "weather", map[string]string{"city": "Oslo"}),
					llmtest.ToolCall("call_2", "time", map[string]string{"tz": "CET"}),
				}},
				llmtest.Reply{Text: "Sunny at noon."},
			), 0)
			var deltas []string
			req := request("weather in Oslo?", nil)
			if stream {
				req.OnText = func(d string) { deltas = append(deltas, d) }
			}
			req.Tools = []llm.ToolDef{
				{Name: "weather", Description: "Weather now", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)},
				{Name: "time", Parameters: json.RawMessage(`{"type":"object"}`)},
			}
			resp, err := p.Complete(t.Context(), req)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if resp.StopReason != "tool_use" || len(resp.Message.ToolCalls) != 2 {
				t.Fatalf("response = %+v, want two tool calls", resp)
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

			calls := srv.Calls()
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
		})
	}
}

func TestCompleteErrors(t *testing.T) {
	t.Parallel()
	tooMany := llmtest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "0", ErrorMessage: "slow down"}
	broken := func(llmtest.Call) llmtest.Reply {
		return llmtest.Reply{Status: http.StatusInternalServerError, RetryAfter: "0", ErrorMessage: "kaput"}
	}
	tests := []struct {
		name       string
		handler    llmtest.Handler
		maxRetries int
		stream     bool
		wantCalls  int
		wantStatus int // 0: success
		wantMsg    string
	}{
		{name: "429 then success", handler: llmtest.Script(tooMany), wantCalls: 2},
		{name: "429 then success streamed", handler: llmtest.Script(tooMany), stream: true, wantCalls: 2},
		{name: "429 twice then success", handler: llmtest.Script(tooMany, tooMany), wantCalls: 3},
		{name: "429 without retries", handler: llmtest.Script(tooMany), maxRetries: -1, wantCalls: 1, wantStatus: 429, wantMsg: "slow down"},
		{name: "500 persists", handler: broken, wantCalls: 3, wantStatus: 500, wantMsg: "kaput"},
		{name: "500 persists streamed", handler: broken, stream: true, maxRetries: 1, wantCalls: 2, wantStatus: 500, wantMsg: "kaput"},
		{name: "400 not retried", handler: llmtest.Script(llmtest.Reply{Status: 400, ErrorMessage: "bad tool schema"}), wantCalls: 1, wantStatus: 400, wantMsg: "bad tool schema"},
		{name: "529 overloaded then success", handler: llmtest.Script(llmtest.Reply{Status: 529, RetryAfter: "0"}), wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, srv := setup(t, tt.handler, tt.maxRetries)
			var deltas []string
			req := request("hi", nil)
			if tt.stream {
				req.OnText = func(d string) { deltas = append(deltas, d) }
			}
			resp, err := p.Complete(t.Context(), req)
			if got := srv.CallCount(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantStatus == 0 {
				if err != nil || resp.Message.Content != "echo: hi" {
					t.Fatalf("Complete = %+v, %v; want echo", resp, err)
				}
				return
			}
			var le *llm.Error
			if !errors.As(err, &le) {
				t.Fatalf("err = %v (%T), want *llm.Error", err, err)
			}
			if le.Provider != "an" || le.Status != tt.wantStatus || le.Message != tt.wantMsg {
				t.Errorf("err = %+v, want status %d message %q", le, tt.wantStatus, tt.wantMsg)
			}
		})
	}
}

func TestCompleteCanceled(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, llmtest.Echo, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Complete(ctx, request("hi", nil))
	var le *llm.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &le) {
		t.Fatalf("err = %v, want context.Canceled and no *llm.Error", err)
	}
}

func TestCompleteBadToolSchema(t *testing.T) {
	t.Parallel()
	p, srv := setup(t, llmtest.Echo, 0)
	req := request("hi", nil)
	req.Tools = []llm.ToolDef{{Name: "x", Parameters: json.RawMessage(`{nope`)}}
	if _, err := p.Complete(t.Context(), req); err == nil || !strings.Contains(err.Error(), `tool "x"`) {
		t.Fatalf("err = %v, want tool schema error", err)
	}
	if srv.CallCount() != 0 {
		t.Errorf("calls = %d, want 0", srv.CallCount())
	}
}

func TestCompleteDefaultMaxTokens(t *testing.T) {
	t.Parallel()
	p, srv := setup(t, llmtest.Echo, 0)
	if _, err := p.Complete(t.Context(), request("hi", nil)); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := srv.Calls()[0].MaxTokens; got != anthropic.DefaultMaxTokens {
		t.Errorf("max tokens = %d, want %d", got, anthropic.DefaultMaxTokens)
	}
}

func BenchmarkComplete(b *testing.B) {
	srv := llmtest.New(llmtest.Echo)
	srv.DiscardCalls = true
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	for _, bc := range []struct {
		name   string
		stream bool
	}{{"json", false}, {"stream", true}} {
		b.Run(bc.name, func(b *testing.B) {
			p := anthropic.New(anthropic.Config{BaseURL: srv.URL(), APIKey: "k", HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}})
			b.RunParallel(func(pb *testing.PB) {
				req := request("hello there", nil)
				if bc.stream {
					req.OnText = func(string) {}
				}
				for pb.Next() {
					if _, err := p.Complete(b.Context(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
