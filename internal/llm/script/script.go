// Package script is a scripted language model: it turns a model request
// into a reply decided by directives in the user's latest message (call a
// tool, sleep, fail with a status, stream slowly, report usage, say a
// text) or by the rules of a script file, and otherwise echoes. It needs no
// network: Provider offers it as an llm.Provider, and llmtest serves it
// over the OpenAI and Anthropic wire protocols. docs/fake-model.md
// describes the language.
package script

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/llm"
)

// maxQuote bounds the bytes of a tool result quoted in a final answer.
const maxQuote = 200

// Reply is the engine's decision for one request, independent of how it is
// delivered.
type Reply struct {
	Text      string
	ToolCalls []llm.ToolCall // IDs are empty: the deliverer assigns them

	// Delay is a wait before answering; ChunkDelay, a pause between
	// streamed pieces of the text.
	Delay      time.Duration
	ChunkDelay time.Duration

	// Status, when not 0, makes the reply a provider failure with that
	// HTTP status and Message.
	Status  int
	Message string

	// Token counts to report; zero means the deliverer estimates them.
	InputTokens  int
	OutputTokens int
}

// Engine decides replies. The zero value has no rules; an Engine is safe
// for concurrent use.
type Engine struct {
	rules []Rule
}

// New returns an engine that tries rules in order before the directives of
// the message.
func New(rules ...Rule) *Engine {
	return &Engine{rules: rules}
}

// Decide returns the reply to req. When the request ends with tool results
// the reply is a final text quoting them; otherwise the first rule matching
// the latest user message answers, then that message's directives, then an
// echo. A malformed directive gives a 400 failure naming its line.
func (e *Engine) Decide(req llm.Request) Reply {
	text := lastUserText(req.Messages)
	d, err := Parse(text)
	if err != nil {
		return Reply{Status: http.StatusBadRequest, Message: err.Error()}
	}
	if results := trailingToolResults(req.Messages); len(results) > 0 {
		d.ToolCalls = nil
		d.Text, d.HasText = quoteResults(req.Messages, results), true
		return d.reply(text)
	}
	if e != nil {
		for _, r := range e.rules {
			if r.matches(text) {
				return r.answer.reply(text)
			}
		}
	}
	return d.reply(text)
}

// lastUserText returns the content of the last user message, or "".
func lastUserText(msgs []llm.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == llm.RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// trailingToolResults returns the tool results that end msgs, in order.
func trailingToolResults(msgs []llm.Message) []llm.Message {
	i := len(msgs)
	for i > 0 && msgs[i-1].Role == llm.RoleTool {
		i--
	}
	return msgs[i:]
}

// quoteResults is the final answer to tool results: one line
// "tool NAME returned: RESULT" for each, the result shortened.
func quoteResults(msgs []llm.Message, results []llm.Message) string {
	names := make(map[string]string)
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			names[tc.ID] = tc.Name
		}
	}
	lines := make([]string, 0, len(results))
	for _, r := range results {
		name := names[r.ToolCallID]
		if name == "" {
			name = "(unknown)"
		}
		lines = append(lines, fmt.Sprintf("tool %s returned: %s", name, quote(r.Content)))
	}
	return strings.Join(lines, "\n")
}

// quote shortens s to about maxQuote bytes on one line, saying how much
// was left out.
func quote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxQuote {
		return s
	}
	cut := maxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}
