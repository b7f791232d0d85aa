package script_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/script"
)

// user is a request with one user message.
func user(text string) llm.Request {
	return llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: text}}}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want script.Reply
	}{
		{"echo", "hello", script.Reply{Text: "echo: hello"}},
		{"echo of a path", "/etc/passwd please", script.Reply{Text: "echo: /etc/passwd please"}},
		{"say", "/say Hi there.", script.Reply{Text: "Hi there."}},
		{"say twice", "/say one\n/say two", script.Reply{Text: "one\ntwo"}},
		{"say empty", "/say", script.Reply{Text: ""}},
		{"tool", `/tool shell {"command": "ls -l"}`, script.Reply{
			ToolCalls: []llm.ToolCall{{Name: "shell", Arguments: json.RawMessage(`{"command":"ls -l"}`)}},
		}},
		{"tool without args", "/tool clock", script.Reply{
			ToolCalls: []llm.ToolCall{{Name: "clock", Arguments: json.RawMessage(`{}`)}},
		}},
		{"two tools and a text", "/say looking\n/tool a {}\n/tool b {\"x\":1}", script.Reply{
			Text:      "looking",
			ToolCalls: []llm.ToolCall{{Name: "a", Arguments: json.RawMessage(`{}`)}, {Name: "b", Arguments: json.RawMessage(`{"x":1}`)}},
		}},
		{"sleep echoes the rest", "/sleep 2s\nwake me", script.Reply{Text: "echo: wake me", Delay: 2 * time.Second}},
		{"stream", "/stream 50ms\n/say a b c", script.Reply{Text: "a b c", ChunkDelay: 50 * time.Millisecond}},
		{"stream default", "  /stream\n/say a", script.Reply{Text: "a", ChunkDelay: 50 * time.Millisecond}},
		{"usage", "/usage 100 20\n/say ok", script.Reply{Text: "ok", InputTokens: 100, OutputTokens: 20}},
		{"fail", "/fail 503 try later", script.Reply{Text: "echo: ", Status: 503, Message: "try later"}},
		{"fail without message", "/fail 429", script.Reply{Text: "echo: ", Status: 429}},
		{"bad json", "hi\n/tool x {nope", script.Reply{Status: http.StatusBadRequest}},
		{"bad status", "/fail 200", script.Reply{Status: http.StatusBadRequest}},
		{"bad duration", "/sleep soon", script.Reply{Status: http.StatusBadRequest}},
		{"negative usage", "/usage -1 2", script.Reply{Status: http.StatusBadRequest}},
		{"twice", "/sleep 1s\n/sleep 2s", script.Reply{Status: http.StatusBadRequest}},
		{"array args", "/tool x [1]", script.Reply{Status: http.StatusBadRequest}},
	}
	e := script.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := e.Decide(user(tt.text))
			if tt.want.Status == http.StatusBadRequest {
				if got.Status != http.StatusBadRequest || !strings.HasPrefix(got.Message, "line ") {
					t.Fatalf("Decide(%q) = %+v, want a 400 naming the line", tt.text, got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decide(%q) =\n%+v\nwant\n%+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestDecideToolResults(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 500)
	req := llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: "/stream 10ms\n/tool a {}\n/tool b {}"},
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "1", Name: "a"}, {ID: "2", Name: "b"}}},
		{Role: llm.RoleTool, ToolCallID: "1", Content: "line one\nline two"},
		{Role: llm.RoleTool, ToolCallID: "2", Content: long},
	}}
	got := script.New().Decide(req)
	want := "tool a returned: line one line two\ntool b returned: " + strings.Repeat("x", 200) + "… (300 more bytes)"
	if got.Text != want || len(got.ToolCalls) != 0 || got.ChunkDelay != 10*time.Millisecond {
		t.Fatalf("Decide = %+v, want text %q, no tool calls, the stream delay", got, want)
	}
}

func TestDecideRules(t *testing.T) {
	t.Parallel()
	e := script.New(
		script.NewRule("weather", nil, "It is sunny."),
		script.NewRule("", regexp.MustCompile(`^list (\w+)$`), "", llm.ToolCall{Name: "shell", Arguments: json.RawMessage(`{"command":"ls"}`)}),
	)
	tests := []struct {
		text, wantText, wantTool string
	}{
		{"what is the weather?", "It is sunny.", ""},
		{"list files", "", "shell"},
		{"please list files", "echo: please list files", ""},
		{"/say directive", "directive", ""},
	}
	for _, tt := range tests {
		got := e.Decide(user(tt.text))
		var tool string
		if len(got.ToolCalls) > 0 {
			tool = got.ToolCalls[0].Name
		}
		if got.Text != tt.wantText || tool != tt.wantTool {
			t.Errorf("Decide(%q) = %+v, want text %q tool %q", tt.text, got, tt.wantText, tt.wantTool)
		}
	}
}
