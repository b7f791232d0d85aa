package api

import "github.com/reefhq/reef/internal/claw"

// SessionView is the answer of GET /v1/claws/{name}/sessions/{session}:
// the transcript (kept whole for audit), its summaries and resets, and
// where the model's context starts.
type SessionView struct {
	Session   string         `json:"session"`
	Messages  []claw.Message `json:"messages"`
	Summaries []claw.Summary `json:"summaries"`
	// ContextFrom is the Seq of the last message the latest summary or
	// reset covers: the model reads that summary and the messages after.
	ContextFrom int64 `json:"context_from"`
}
