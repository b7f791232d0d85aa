// Package llmtest is a scripted fake model server. It speaks the OpenAI
// Chat Completions and the Anthropic Messages wire protocols over real HTTP,
// streaming and not, well enough for the official SDKs, so reef's providers,
// agent loop and benchmarks run against it unchanged. A Handler decides each
// reply from a protocol-neutral Call (Scripted serves the script engine of
// llm/script); the Server records every Call.
package llmtest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/llm"
)

// Wire protocols a Call can arrive in.
const (
	ProtocolOpenAI    = "openai"
	ProtocolAnthropic = "anthropic"
)

// Call is one decoded model request, the same for both protocols.
type Call struct {
	Protocol  string // ProtocolOpenAI or ProtocolAnthropic
	Model     string
	System    string
	Messages  []llm.Message // tool calls and tool results included
	Tools     []string      // names of the tools offered
	MaxTokens int           // 0 when the request set none
	Stream    bool
	// StreamUsage reports that a streamed OpenAI call asked for a final
	// usage chunk (stream_options.include_usage).
	StreamUsage bool
	Header      http.Header // the HTTP request's headers

}

// LastUserText returns the content of the last user message, or "".
func (c Call) LastUserText() string {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Role == llm.RoleUser {
			return c.Messages[i].Content
		}
	}
	return ""
}

// Reply is what the fake model answers to a Call.
type Reply struct {
	Text      string
	ToolCalls []llm.ToolCall // IDs are generated when empty

	// Status, when neither 0 nor 200, makes the reply an error response with
	// that HTTP status, in the protocol's error JSON.
	Status       int
	RetryAfter   string // sets the Retry-After header when non-empty
	ErrorMessage string // the error's message; defaults to the status text

	// Token counts reported as usage; zero means a rough estimate from the
	// characters of the request and the reply.
	InputTokens  int
	OutputTokens int

	// Delay is a wait before answering, cut short when the client goes;
	// ChunkDelay, a pause between the streamed pieces of the text, which
	// are then sent one by one (streamed calls only).
	Delay      time.Duration
	ChunkDelay time.Duration
}

// isError reports whether r is an error response.
func (r Reply) isError() bool {
	return r.Status != 0 && r.Status != http.StatusOK
}

// Handler decides the reply to a call. It may be called concurrently.
type Handler func(Call) Reply

// Echo replies "echo: " followed by the text of the last user message.
func Echo(c Call) Reply {
	return Reply{Text: "echo: " + c.LastUserText()}
}

// Script returns a Handler that gives the replies in order, one per call,
// and falls back to Echo once they are used up. It is safe for concurrent
// use; concurrent calls take replies in arrival order.
func Script(replies ...Reply) Handler {
	var mu sync.Mutex
	queue := replies
	return func(c Call) Reply {
		mu.Lock()
		if len(queue) == 0 {
			mu.Unlock()
			return Echo(c)
		}
		r := queue[0]
		queue = queue[1:]
		mu.Unlock()
		return r
	}
}

// ToolCall builds an llm.ToolCall whose arguments are args encoded as JSON;
// it panics when args cannot be encoded, which is a bug in the test.
func ToolCall(id, name string, args any) llm.ToolCall {
	b, err := json.Marshal(args)
	if err != nil {
		panic("llmtest: encode tool arguments: " + err.Error())
	}
	return llm.ToolCall{ID: id, Name: name, Arguments: b}
}
