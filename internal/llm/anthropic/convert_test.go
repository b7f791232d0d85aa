package anthropic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm"
)

// shape renders the roles and block types of params' messages as JSON
// sends them, such as "user[text] assistant[tool_use]".
func shape(t *testing.T, req llm.Request) string {
	t.Helper()
	params, err := newParams(req)
	if err != nil {
		t.Fatalf("newParams: %v", err)
	}
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatalf("marshal params: %v", err)
	}
	var wire struct {
		Messages []struct {
			Role    string `json:"role"`
			Content []struct {
				Type string `json:"type"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatalf("unmarshal params: %v", err)
	}
	var out []string
	for _, m := range wire.Messages {
		var types []string
		for _, c := range m.Content {
			types = append(types, c.Type)
		}
		out = append(out, m.Role+"["+strings.Join(types, ",")+"]")
	}
	return strings.Join(out, " ")
}

func TestNewParamsMessages(t *testing.T) {
	t.Parallel()
	user := llm.Message{Role: llm.RoleUser, Content: "q"}
	call := func(id string) llm.ToolCall {
		return llm.ToolCall{ID: id, Name: "t", Arguments: json.RawMessage(`{"a":1}`)}
	}
	result := func(id string) llm.Message { return llm.Message{Role: llm.RoleTool, ToolCallID: id, Content: "r"} }
	tests := []struct {
		name string
		msgs []llm.Message
		want string
	}{
		{"text", []llm.Message{user}, "user[text]"},
		{
			"tool results merged",
			[]llm.Message{user, {Role: llm.RoleAssistant, Content: "let me see", ToolCalls: []llm.ToolCall{call("a"), call("b")}}, result("a"), result("b"), {Role: llm.RoleAssistant, Content: "done"}},
			"user[text] assistant[text,tool_use,tool_use] user[tool_result,tool_result] assistant[text]",
		},
		{
			"user text after results stays apart",
			[]llm.Message{user, {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{call("a")}}, result("a"), user},
			"user[text] assistant[tool_use] user[tool_result] user[text]",
		},
		{
			"results of separate turns not merged",
			[]llm.Message{user, {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{call("a")}}, result("a"), {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{call("b")}}, result("b")},
			"user[text] assistant[tool_use] user[tool_result] assistant[tool_use] user[tool_result]",
		},
		{"empty assistant dropped", []llm.Message{user, {Role: llm.RoleAssistant}, user}, "user[text] user[text]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := shape(t, llm.Request{Model: "m", Messages: tt.msgs}); got != tt.want {
				t.Errorf("shape =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestNewParamsToolSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		want   string // the tool's input_schema as sent; "" for an error
	}{
		{"empty", ``, `{"type":"object"}`},
		{"object", `{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}`,
			`{"properties":{"a":{"type":"integer"}},"required":["a"],"type":"object","additionalProperties":false}`},
		{"bad json", `{`, ""},
		{"bad required", `{"required":"a"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := llm.Request{Model: "m", Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(tt.schema)}}}
			params, err := newParams(req)
			if tt.want == "" {
				if err == nil {
					t.Fatal("newParams: no error, want one")
				}
				return
			}
			if err != nil {
				t.Fatalf("newParams: %v", err)
			}
			b, err := json.Marshal(params.Tools[0].OfTool.InputSchema)
			if err != nil {
				t.Fatalf("marshal schema: %v", err)
			}
			if string(b) != tt.want {
				t.Errorf("schema = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestNewParamsInvalidArguments(t *testing.T) {
	t.Parallel()
	req := llm.Request{Model: "m", Messages: []llm.Message{
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "a", Name: "t", Arguments: json.RawMessage(`{"a":`)}}},
	}}
	params, err := newParams(req)
	if err != nil {
		t.Fatalf("newParams: %v", err)
	}
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatalf("marshal params: %v", err)
	}
	if !strings.Contains(string(b), `"input":{}`) {
		t.Errorf("params = %s, want input {}", b)
	}
}
