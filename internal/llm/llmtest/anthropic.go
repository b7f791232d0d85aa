package llmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/script"
)

// anRequest is the part of a Messages request the fake reads.
type anRequest struct {
	Model     string      `json:"model"`
	MaxTokens int         `json:"max_tokens"`
	System    textContent `json:"system"`
	Messages  []anMessage `json:"messages"`
	Tools     []struct {
		Name string `json:"name"`
	} `json:"tools"`
	Stream bool `json:"stream"`
}

// anMessage is one Messages API message.
type anMessage struct {
	Role    string    `json:"role"`
	Content anContent `json:"content"`
}

// anContent is a message's content: a string or an array of blocks.
type anContent []anBlock

// UnmarshalJSON implements json.Unmarshaler.
func (c *anContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = anContent{{Type: "text", Text: s}}
		return nil
	}
	var blocks []anBlock
	if err := json.Unmarshal(b, &blocks); err != nil {
		return errors.New("content: want a string or an array of blocks")
	}
	*c = blocks
	return nil
}

// anBlock is a content block of a request.
type anBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   textContent     `json:"content"`
}

// decodeAnthropic decodes a Messages request body into a Call. A user
// message's tool_result blocks become RoleTool messages, followed by a
// RoleUser message for its text, if any.
func decodeAnthropic(body []byte) (Call, error) {
	var req anRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return Call{}, fmt.Errorf("decode messages request: %w", err)
	}
	if req.Model == "" {
		return Call{}, errors.New("decode messages request: model is required")
	}
	if req.MaxTokens <= 0 {
		return Call{}, errors.New("decode messages request: max_tokens is required")
	}
	call := Call{
		Protocol:  ProtocolAnthropic,
		Model:     req.Model,
		System:    string(req.System),
		MaxTokens: req.MaxTokens,
		Stream:    req.Stream,
		Messages:  make([]llm.Message, 0, len(req.Messages)),
	}
	for i, m := range req.Messages {
		var text strings.Builder
		switch m.Role {
		case "user":
			for _, b := range m.Content {
				switch b.Type {
				case "text":
					text.WriteString(b.Text)
				case "tool_result":
					call.Messages = append(call.Messages, llm.Message{Role: llm.RoleTool, Content: string(b.Content), ToolCallID: b.ToolUseID})
				}
			}
			if text.Len() > 0 || len(m.Content) == 0 {
				call.Messages = append(call.Messages, llm.Message{Role: llm.RoleUser, Content: text.String()})
			}
		case "assistant":
			msg := llm.Message{Role: llm.RoleAssistant}
			for _, b := range m.Content {
				switch b.Type {
				case "text":
					text.WriteString(b.Text)
				case "tool_use":
					msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: arguments(b.Input)})
				}
			}
			msg.Content = text.String()
			call.Messages = append(call.Messages, msg)
		default:
			return Call{}, fmt.Errorf("decode messages request: message %d: unknown role %q", i, m.Role)
		}
	}
	for _, t := range req.Tools {
		call.Tools = append(call.Tools, t.Name)
	}
	return call, nil
}

// anMessageOut is a Messages API response message.
type anMessageOut struct {
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Model        string  `json:"model"`
	Content      []anOut `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        anUsage `json:"usage"`
}

// anOut is a content block of a response.
type anOut struct {
	Type  string          `json:"type"`
	Text  *string         `json:"text,omitempty"`
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

// anUsage is the token usage of a message.
type anUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// anError is the error body of the Anthropic API.
type anError struct {
	Type  string      `json:"type"`
	Error anErrorBody `json:"error"`
}

// anErrorBody is the error object of an anError.
type anErrorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Streamed events.
type (
	anMessageStart struct {
		Type    string       `json:"type"`
		Message anMessageOut `json:"message"`
	}
	anBlockStart struct {
		Type         string `json:"type"`
		Index        int    `json:"index"`
		ContentBlock anOut  `json:"content_block"`
	}
	anBlockDelta struct {
		Type  string  `json:"type"`
		Index int     `json:"index"`
		Delta anDelta `json:"delta"`
	}
	anDelta struct {
		Type        string `json:"type"`
		Text        string `json:"text,omitempty"`
		PartialJSON string `json:"partial_json,omitempty"`
	}
	anBlockStop struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
	}
	anMessageDelta struct {
		Type  string `json:"type"`
		Delta struct {
			StopReason   string  `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		} `json:"delta"`
		Usage anUsage `json:"usage"`
	}
	anType struct {
		Type string `json:"type"`
	}
)

// writeAnthropic writes reply as a message, streamed when call.Stream.
func writeAnthropic(w http.ResponseWriter, buf *bytes.Buffer, call Call, reply Reply, id string) {
	stop := "end_turn"
	if len(reply.ToolCalls) > 0 {
		stop = "tool_use"
	}
	var blocks []anOut
	if reply.Text != "" || len(reply.ToolCalls) == 0 {
		blocks = append(blocks, anOut{Type: "text", Text: &reply.Text})
	}
	for i, tc := range reply.ToolCalls {
		args := arguments(tc.Arguments)
		if !json.Valid(args) {
			writeError(w, ProtocolAnthropic, Reply{Status: http.StatusInternalServerError, ErrorMessage: "llmtest: tool call " + tc.Name + " has invalid JSON arguments"})
			return
		}
		blocks = append(blocks, anOut{Type: "tool_use", ID: toolCallID(tc, "toolu_", id, i), Name: tc.Name, Input: args})
	}
	msg := anMessageOut{
		ID: "msg_llmtest_" + id, Type: "message", Role: "assistant", Model: call.Model,
		Content: blocks, StopReason: &stop, Usage: anUsage{reply.InputTokens, reply.OutputTokens},
	}
	if !call.Stream {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(msg) // plain structs always encode
		writeBody(w, "application/json", buf)
		return
	}

	sse := newSSEWriter(w, buf)
	start := msg
	start.Content, start.StopReason, start.Usage.OutputTokens = []anOut{}, nil, 1
	sse.event("message_start", anMessageStart{Type: "message_start", Message: start})
	sse.event("ping", anType{Type: "ping"})
	empty := ""
	for i, b := range blocks {
		if b.Type == "text" {
			sse.event("content_block_start", anBlockStart{Type: "content_block_start", Index: i, ContentBlock: anOut{Type: "text", Text: &empty}})
			for j, piece := range script.Pieces(*b.Text) {
				if j > 0 {
					sse.pause()
				}
				sse.event("content_block_delta", anBlockDelta{Type: "content_block_delta", Index: i, Delta: anDelta{Type: "text_delta", Text: piece}})
			}
		} else {
			sse.event("content_block_start", anBlockStart{Type: "content_block_start", Index: i, ContentBlock: anOut{Type: "tool_use", ID: b.ID, Name: b.Name, Input: json.RawMessage("{}")}})
			for _, piece := range splitHalves(string(b.Input)) {
				sse.event("content_block_delta", anBlockDelta{Type: "content_block_delta", Index: i, Delta: anDelta{Type: "input_json_delta", PartialJSON: piece}})
			}
		}
		sse.event("content_block_stop", anBlockStop{Type: "content_block_stop", Index: i})
	}
	md := anMessageDelta{Type: "message_delta", Usage: msg.Usage}
	md.Delta.StopReason = stop
	sse.event("message_delta", md)
	sse.event("message_stop", anType{Type: "message_stop"})
	sse.finish()
}
