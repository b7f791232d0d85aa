package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Sessions reads a claw's session transcripts and keeps their summaries,
// the context a model request reads (docs/context.md).
type Sessions interface {
	// SessionMessages returns a session's transcript in order; limit > 0
	// keeps only the newest messages.
	SessionMessages(ctx context.Context, ref claw.Ref, session string, limit int) ([]claw.Message, error)
	// SessionContext returns what a model request reads of a session: its
	// latest summary (zero when none) and the messages after it, in order.
	SessionContext(ctx context.Context, ref claw.Ref, session string) (claw.Summary, []claw.Message, error)
	// SaveSummary stores a session summary and, when step is not nil,
	// finishes that compaction step in the same transaction.
	SaveSummary(ctx context.Context, ref claw.Ref, step *claw.Step, sum claw.Summary) (claw.Summary, error)
	// SessionSummaries lists a session's summaries and resets, oldest first.
	SessionSummaries(ctx context.Context, ref claw.Ref, session string) ([]claw.Summary, error)
	// ListSessions lists a claw's sessions, most recently active first;
	// limit > 0 keeps the first limit (ENOTFOUND for an unknown claw).
	ListSessions(ctx context.Context, ref claw.Ref, limit int) ([]claw.SessionInfo, error)
	// ResetSession starts a fresh context for a session, keeping its
	// transcript: a summary with Reset set and no text (ENOTFOUND when the
	// session has no messages).
	ResetSession(ctx context.Context, ref claw.Ref, session string) (claw.Summary, error)
}
