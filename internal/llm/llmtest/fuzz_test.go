package llmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm"
)

// Request bodies as the official SDKs send them.
const (
	openAISeed = `{"messages":[{"content":"sys","role":"system"},{"content":"q","role":"user"},` +
		`{"tool_calls":[{"id":"c1","function":{"arguments":"{\"a\":1}","name":"t"},"type":"function"}],"role":"assistant"},` +
		`{"content":"r1","tool_call_id":"c1","role":"tool"}],"model":"m","max_tokens":5,"stream":true,"stream_options":{"include_usage":true},` +
		`"tools":[{"function":{"name":"t","description":"d","parameters":{"type":"object"}},"type":"function"}]}`
	anthropicSeed = `{"max_tokens":5,"messages":[{"content":[{"text":"q","type":"text"}],"role":"user"},` +
		`{"content":[{"id":"c1","input":{"a":1},"name":"t","type":"tool_use"},{"id":"c2","input":{"a":2},"name":"t","type":"tool_use"}],"role":"assistant"},` +
		`{"content":[{"tool_use_id":"c1","is_error":false,"content":[{"text":"r1","type":"text"}],"type":"tool_result"},` +
		`{"tool_use_id":"c2","content":"r2","type":"tool_result"}],"role":"user"}],"model":"m","system":[{"text":"sys","type":"text"}],` +
		`"stream":true,"tools":[{"input_schema":{"type":"object"},"name":"t","description":"d"}]}`
)

func FuzzDecodeOpenAI(f *testing.F) {
	f.Add([]byte(openAISeed))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"}]}]}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"x","function":{"name":"n","arguments":""}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		call, err := decodeOpenAI(body)
		if err != nil {
			return
		}
		checkCall(t, call, ProtocolOpenAI)
		for _, stream := range []bool{false, true} {
			call.Stream = stream
			checkReply(t, call, Reply{Text: call.LastUserText(), ToolCalls: lastToolCalls(call)}, writeOpenAI)
		}
	})
}

func FuzzDecodeAnthropic(f *testing.F) {
	f.Add([]byte(anthropicSeed))
	f.Add([]byte(`{"model":"m","max_tokens":1,"system":"s","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"x","name":"n"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		call, err := decodeAnthropic(body)
		if err != nil {
			return
		}
		checkCall(t, call, ProtocolAnthropic)
		for _, stream := range []bool{false, true} {
			call.Stream = stream
			checkReply(t, call, Reply{Text: call.LastUserText(), ToolCalls: lastToolCalls(call)}, writeAnthropic)
		}
	})
}

// lastToolCalls returns the tool calls of the last assistant message, to
// echo them back.
func lastToolCalls(c Call) []llm.ToolCall {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Role == llm.RoleAssistant {
			return c.Messages[i].ToolCalls
		}
	}
	return nil
}

// checkCall checks the invariants of a decoded call.
func checkCall(t *testing.T, c Call, protocol string) {
	t.Helper()
	if c.Protocol != protocol || c.Model == "" {
		t.Fatalf("call = %+v, want protocol %s and a model", c, protocol)
	}
	for _, m := range c.Messages {
		for _, tc := range m.ToolCalls {
			if len(tc.Arguments) == 0 {
				t.Fatalf("tool call %+v has no arguments", tc)
			}
		}
	}
}

// checkReply writes r for c and checks the body is JSON or SSE events of
// JSON, and that streamed text deltas join to the reply's text.
func checkReply(t *testing.T, c Call, r Reply, write func(w http.ResponseWriter, buf *bytes.Buffer, call Call, reply Reply, id string)) {
	t.Helper()
	rec := httptest.NewRecorder()
	write(rec, new(bytes.Buffer), c, r, "1")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		if rec.Code == http.StatusInternalServerError && strings.Contains(body, "invalid JSON arguments") {
			return // the echoed arguments were not JSON
		}
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	if !c.Stream {
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("body not JSON: %s", body)
		}
		return
	}
	var text strings.Builder
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, len(body)+1)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ev struct {
			Delta struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"delta"`
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		text.WriteString(ev.Delta.Text)
		for _, ch := range ev.Choices {
			text.WriteString(ch.Delta.Content)
		}
	}
	if want := strings.ToValidUTF8(r.Text, "\uFFFD"); text.String() != want {
		t.Fatalf("streamed text %q, want %q", text.String(), want)
	}
}
