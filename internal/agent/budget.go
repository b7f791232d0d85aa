package agent

import (
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
)

// The token estimate errs high on purpose, so that a request that fits
// the budget by the estimate fits the model's window: the BPE tokenizers
// of OpenAI and Anthropic average about 4 bytes of English per token, and
// the estimate counts one token per 3 bytes (rounded up), plus framing:
// 4 tokens per message (and per tool call), 8 per tool definition, 16 per
// request.
const (
	bytesPerToken   = 3
	messageOverhead = 4
	toolOverhead    = 8
	requestOverhead = 16
)

// tokens estimates the tokens of s.
func tokens(s string) int { return (len(s) + bytesPerToken - 1) / bytesPerToken }

// messageTokens estimates the tokens of a message sent to a model.
func messageTokens(m llm.Message) int {
	n := messageOverhead + tokens(m.Content) + tokens(m.ToolCallID)
	for _, c := range m.ToolCalls {
		n += messageOverhead + tokens(c.ID) + tokens(c.Name) + tokens(string(c.Arguments))
	}
	return n
}

// transcriptTokens estimates the tokens of session messages.
func transcriptTokens(msgs []claw.Message) int {
	n := 0
	for _, m := range msgs {
		n += messageOverhead + tokens(m.Content) + tokens(m.ToolCallID)
		for _, c := range m.ToolCalls {
			n += messageOverhead + tokens(c.ID) + tokens(c.Name) + tokens(string(c.Arguments))
		}
	}
	return n
}

// toolTokens estimates the tokens of tool definitions.
func toolTokens(defs []llm.ToolDef) int {
	n := 0
	for _, d := range defs {
		n += toolOverhead + tokens(d.Name) + tokens(d.Description) + tokens(string(d.Parameters))
	}
	return n
}

// windows are the context windows of known models, by name prefix;
// longer prefixes first.
var windows = []struct {
	prefix string
	tokens int
}{
	{"gpt-4o", 128_000},
	{"gpt-4.1", 1_047_576},
	{"gpt-4-turbo", 128_000},
	{"gpt-4", 8_192},
	{"gpt-3.5-turbo", 16_385},
	{"gpt-5", 400_000},
	{"o1", 200_000},
	{"o3", 200_000},
	{"o4", 200_000},
	{"claude-", 200_000},
}

// contextBudget is the token budget of a claw's model requests: the
// spec's context_tokens, else the known window of the model less room for
// the answer (a quarter of the window, at most 8192), else
// claw.DefaultContextTokens.
func contextBudget(s claw.Spec, model string) int {
	if s.ContextTokens > 0 {
		return s.ContextTokens
	}
	for _, w := range windows {
		if strings.HasPrefix(model, w.prefix) {
			return w.tokens - min(8192, w.tokens/4)
		}
	}
	return claw.DefaultContextTokens
}

// summaryTokens is the most a session summary may hold: a fifth of the
// budget, between 64 and 2048 tokens.
func summaryTokens(budget int) int { return min(max(budget/5, 64), 2048) }
