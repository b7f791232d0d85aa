package anthropic

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/reefhq/reef/internal/llm"
)

// newParams converts req to the SDK's request parameters. Consecutive tool
// results become one user message of tool_result blocks, as the API wants.
func newParams(req llm.Request) (sdk.MessageNewParams, error) {
	params := sdk.MessageNewParams{
		Model:     req.Model,
		MaxTokens: DefaultMaxTokens,
		Messages:  make([]sdk.MessageParam, 0, len(req.Messages)),
	}
	if req.MaxTokens > 0 {
		params.MaxTokens = int64(req.MaxTokens)
	}
	if req.System != "" {
		params.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	for i, m := range req.Messages {
		switch m.Role {
		case llm.RoleUser:
			params.Messages = append(params.Messages, sdk.NewUserMessage(sdk.NewTextBlock(m.Content)))
		case llm.RoleAssistant:
			if a, ok := assistantMessage(m); ok {
				params.Messages = append(params.Messages, a)
			}
		case llm.RoleTool:
			block := sdk.NewToolResultBlock(m.ToolCallID, m.Content, false)
			if n := len(params.Messages); n > 0 && onlyToolResults(params.Messages[n-1]) {
				last := params.Messages[n-1].OfUser
				last.Content = append(last.Content, block)
				continue
			}
			params.Messages = append(params.Messages, sdk.NewUserMessage(block))
		default:
			return params, fmt.Errorf("convert message %d: unknown role %q", i, m.Role)
		}
	}
	for _, t := range req.Tools {
		schema, err := inputSchema(t.Parameters)
		if err != nil {
			return params, fmt.Errorf("decode tool %q parameters: %w", t.Name, err)
		}
		tool := sdk.ToolParam{Name: t.Name, InputSchema: schema}
		if t.Description != "" {
			tool.Description = sdk.String(t.Description)
		}
		params.Tools = append(params.Tools, sdk.ToolUnionParam{OfTool: &tool})
	}
	return params, nil
}

// assistantMessage converts an assistant turn to a text block followed by
// tool_use blocks. It reports false for a turn with neither, which the API
// would reject. Arguments that are not valid JSON are sent as {}.
func assistantMessage(m llm.Message) (sdk.MessageParam, bool) {
	var blocks []sdk.ContentBlockParamUnion
	if m.Content != "" {
		blocks = append(blocks, sdk.NewTextBlock(m.Content))
	}
	for _, tc := range m.ToolCalls {
		args := tc.Arguments
		if !json.Valid(args) {
			args = json.RawMessage("{}")
		}
		blocks = append(blocks, sdk.NewToolUseBlock(tc.ID, args, tc.Name))
	}
	if len(blocks) == 0 {
		return sdk.MessageParam{}, false
	}
	return sdk.NewAssistantMessage(blocks...), true
}

// onlyToolResults reports whether m is a user message made of tool_result
// blocks only, to which further results may be added.
func onlyToolResults(m sdk.MessageParam) bool {
	if m.OfUser == nil || len(m.OfUser.Content) == 0 {
		return false
	}
	for _, b := range m.OfUser.Content {
		if b.OfToolResult == nil {
			return false
		}
	}
	return true
}

// inputSchema converts a tool's JSON Schema to the SDK's schema type, whose
// type is always "object"; keywords other than properties and required
// travel as extra fields.
func inputSchema(raw json.RawMessage) (sdk.ToolInputSchemaParam, error) {
	var schema sdk.ToolInputSchemaParam
	if len(raw) == 0 {
		return schema, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return schema, err
	}
	for k, v := range m {
		switch k {
		case "type":
		case "properties":
			schema.Properties = v
		case "required":
			list, ok := v.([]any)
			if !ok {
				return schema, fmt.Errorf("required: want an array, got %T", v)
			}
			for _, r := range list {
				s, ok := r.(string)
				if !ok {
					return schema, fmt.Errorf("required: want strings, got %T", r)
				}
				schema.Required = append(schema.Required, s)
			}
		default:
			if schema.ExtraFields == nil {
				schema.ExtraFields = make(map[string]any)
			}
			schema.ExtraFields[k] = v
		}
	}
	return schema, nil
}

// response converts m to an llm.Response. Input tokens include the cached
// ones, as OpenAI's prompt_tokens do.
func response(m *sdk.Message) llm.Response {
	var text strings.Builder
	msg := llm.Message{Role: llm.RoleAssistant}
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			args := b.Input
			if len(args) == 0 {
				args = json.RawMessage("{}")
			}
			msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		}
	}
	msg.Content = text.String()
	u := m.Usage
	return llm.Response{
		Message:    msg,
		StopReason: string(m.StopReason),
		Usage: llm.Usage{
			InputTokens:  int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens),
			OutputTokens: int(u.OutputTokens),
		},
	}
}
