package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/script"
)

// oaRequest is the part of a Chat Completions request the fake reads.
type oaRequest struct {
	Model    string      `json:"model"`
	Messages []oaMessage `json:"messages"`
	Tools    []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	Stream        bool `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           int `json:"max_tokens"`
	MaxCompletionTokens int `json:"max_completion_tokens"`
}

// oaMessage is one Chat Completions message.
type oaMessage struct {
	Role       string       `json:"role"`
	Content    textContent  `json:"content"`
	ToolCalls  []oaToolCall `json:"tool_calls"`
	ToolCallID string       `json:"tool_call_id"`
}

// oaToolCall is a tool call in a request or a response.
type oaToolCall struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

// oaFunction is the function of a tool call; Arguments is JSON text.
type oaFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// decodeOpenAI decodes a Chat Completions request body into a Call.
func decodeOpenAI(body []byte) (Call, error) {
	var req oaRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return Call{}, fmt.Errorf("decode chat completion request: %w", err)
	}
	if req.Model == "" {
		return Call{}, fmt.Errorf("decode chat completion request: model is required")
	}
	call := Call{
		Protocol:    ProtocolOpenAI,
		Model:       req.Model,
		Stream:      req.Stream,
		StreamUsage: req.Stream && req.StreamOptions.IncludeUsage,
		MaxTokens:   max(req.MaxTokens, req.MaxCompletionTokens),
		Messages:    make([]llm.Message, 0, len(req.Messages)),
	}
	var system []string
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			system = append(system, string(m.Content))
		case "user":
			call.Messages = append(call.Messages, llm.Message{Role: llm.RoleUser, Content: string(m.Content)})
		case "assistant":
			msg := llm.Message{Role: llm.RoleAssistant, Content: string(m.Content)}
			for _, tc := range m.ToolCalls {
				msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{
					ID: tc.ID, Name: tc.Function.Name, Arguments: arguments([]byte(tc.Function.Arguments)),
				})
			}
			call.Messages = append(call.Messages, msg)
		case "tool":
			call.Messages = append(call.Messages, llm.Message{Role: llm.RoleTool, Content: string(m.Content), ToolCallID: m.ToolCallID})
		default:
			return Call{}, fmt.Errorf("decode chat completion request: message %d: unknown role %q", i, m.Role)
		}
	}
	call.System = strings.Join(system, "\n\n")
	for _, t := range req.Tools {
		call.Tools = append(call.Tools, t.Function.Name)
	}
	return call, nil
}

// oaCompletion is a chat completion or, with Object "chat.completion.chunk",
// one streamed chunk of it.
type oaCompletion struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []oaChoice `json:"choices"`
	Usage   *oaUsage   `json:"usage,omitempty"`
}

// oaChoice is a choice with a Message (completion) or a Delta (chunk).
type oaChoice struct {
	Index        int           `json:"index"`
	Message      *oaMessageOut `json:"message,omitempty"`
	Delta        *oaDelta      `json:"delta,omitempty"`
	FinishReason *string       `json:"finish_reason"`
	Logprobs     *struct{}     `json:"logprobs"`
}

// oaMessageOut is the assistant message of a completion.
type oaMessageOut struct {
	Role      string       `json:"role"`
	Content   *string      `json:"content"`
	Refusal   *string      `json:"refusal"`
	ToolCalls []oaToolCall `json:"tool_calls,omitempty"`
}

// oaDelta is the message delta of a chunk.
type oaDelta struct {
	Role      string            `json:"role,omitempty"`
	Content   *string           `json:"content,omitempty"`
	ToolCalls []oaToolCallDelta `json:"tool_calls,omitempty"`
}

// oaToolCallDelta is a piece of a streamed tool call.
type oaToolCallDelta struct {
	Index    int        `json:"index"`
	ID       string     `json:"id,omitempty"`
	Type     string     `json:"type,omitempty"`
	Function oaFunction `json:"function"`
}

// oaUsage is the token usage of a completion.
type oaUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// oaError is the error body of the OpenAI API.
type oaError struct {
	Error oaErrorBody `json:"error"`
}

// oaErrorBody is the error object of an oaError.
type oaErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// writeOpenAI writes reply as a chat completion, streamed when call.Stream.
func writeOpenAI(w http.ResponseWriter, buf *bytes.Buffer, call Call, reply Reply, id string) {
	finish := "stop"
	if len(reply.ToolCalls) > 0 {
		finish = "tool_calls"
	}
	usage := &oaUsage{reply.InputTokens, reply.OutputTokens, reply.InputTokens + reply.OutputTokens}
	base := oaCompletion{ID: "chatcmpl-llmtest-" + id, Created: time.Now().Unix(), Model: call.Model}
	toolCalls := make([]oaToolCall, len(reply.ToolCalls))
	for i, tc := range reply.ToolCalls {
		toolCalls[i] = oaToolCall{
			ID: toolCallID(tc, "call_", id, i), Type: "function",
			Function: oaFunction{Name: tc.Name, Arguments: string(arguments(tc.Arguments))},
		}
	}

	if !call.Stream {
		msg := &oaMessageOut{Role: "assistant", ToolCalls: toolCalls}
		if reply.Text != "" || len(toolCalls) == 0 {
			msg.Content = &reply.Text
		}
		c := base
		c.Object = "chat.completion"
		c.Choices = []oaChoice{{Message: msg, FinishReason: &finish}}
		c.Usage = usage
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(c) // plain structs always encode
		writeBody(w, "application/json", buf)
		return
	}

	sse := newSSEWriter(w, buf)
	chunk := func(d oaDelta, finishReason *string) {
		c := base
		c.Object = "chat.completion.chunk"
		c.Choices = []oaChoice{{Delta: &d, FinishReason: finishReason}}
		sse.event("", c)
	}
	empty := ""
	chunk(oaDelta{Role: "assistant", Content: &empty}, nil)
	for i, piece := range script.Pieces(reply.Text) {
		if i > 0 {
			sse.pause()
		}
		chunk(oaDelta{Content: &piece}, nil)
	}
	for i, tc := range toolCalls {
		for j, args := range splitHalves(tc.Function.Arguments) {
			d := oaToolCallDelta{Index: i, Function: oaFunction{Arguments: args}}
			if j == 0 {
				d.ID, d.Type, d.Function.Name = tc.ID, "function", tc.Function.Name
			}
			chunk(oaDelta{ToolCalls: []oaToolCallDelta{d}}, nil)
		}
	}
	chunk(oaDelta{}, &finish)
	if call.StreamUsage {
		c := base
		c.Object = "chat.completion.chunk"
		c.Choices = []oaChoice{}
		c.Usage = usage
		sse.event("", c)
	}
	sse.raw("[DONE]")
	sse.finish()
}
