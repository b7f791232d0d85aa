package claw

import "time"

// DefaultContextTokens is the context budget of a claw whose spec sets
// none and whose model's window is unknown.
const DefaultContextTokens = 32_000

// Memory is one long-term note of a claw: written by its memory_write
// tool, or a chunk of a workspace memory file (MEMORY.md,
// memory/YYYY-MM-DD.md).
type Memory struct {
	ID   int64    `json:"id"`
	Text string   `json:"text"`
	Tags []string `json:"tags,omitempty"`
	// Source is "" for a written memory, else the workspace file the
	// chunk comes from (such as "MEMORY.md").
	Source    string    `json:"source,omitempty"`
	Score     float64   `json:"score,omitempty"` // search rank, higher is better
	CreatedAt time.Time `json:"created_at"`
}

// Summary is the stored summary of a session's older turns: a model
// request reads it with the messages after Through instead of the whole
// transcript. A reset of the session is a summary with empty Text.
type Summary struct {
	ID      int64  `json:"id"`
	Session string `json:"session"`
	// Through is the Seq of the last message the summary covers.
	Through   int64     `json:"through"`
	Text      string    `json:"text"`
	RunID     int64     `json:"run_id,omitempty"` // the run that compacted; 0 for a reset
	Reset     bool      `json:"reset,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// SessionInfo describes one session of a claw.
type SessionInfo struct {
	Session   string    `json:"session"`
	Messages  int       `json:"messages"`  // in the whole transcript
	Summaries int       `json:"summaries"` // compactions and resets
	LastSeq   int64     `json:"last_seq"`
	UpdatedAt time.Time `json:"updated_at"` // the newest message's time
}
