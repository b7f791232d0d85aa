package llmtest

import (
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/script"
)

// Scripted returns a Handler answering as the script engine e decides:
// the directives of the user's message, the rules of a script file, or an
// echo. A nil e has no rules.
func Scripted(e *script.Engine) Handler {
	return func(c Call) Reply {
		r := e.Decide(llm.Request{Model: c.Model, System: c.System, Messages: c.Messages, MaxTokens: c.MaxTokens})
		return Reply{
			Text:         r.Text,
			ToolCalls:    r.ToolCalls,
			Status:       r.Status,
			ErrorMessage: r.Message,
			InputTokens:  r.InputTokens,
			OutputTokens: r.OutputTokens,
			Delay:        r.Delay,
			ChunkDelay:   r.ChunkDelay,
		}
	}
}
