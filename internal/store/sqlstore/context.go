package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/reefhq/reef/internal/claw"
)

const summaryColumns = `id, session, through_seq, text, run_id, reset, created_at`

func scanSummary(r rowScanner) (claw.Summary, error) {
	var s claw.Summary
	var created int64
	if err := r.Scan(&s.ID, &s.Session, &s.Through, &s.Text, &s.RunID, &s.Reset, &created); err != nil {
		return s, err
	}
	s.CreatedAt = fromMicros(created)
	return s, nil
}

const messageColumns = `seq, session, event_id, role, content, tool_calls, tool_call_id, created_at`

// SessionContext returns a session's latest summary and the messages after it.
func (db *DB) SessionContext(ctx context.Context, ref claw.Ref, session string) (claw.Summary, []claw.Message, error) {
	sum, err := scanSummary(db.readRow(ctx, `SELECT `+summaryColumns+` FROM session_summaries
		WHERE tenant_id = ? AND claw = ? AND session = ? ORDER BY id DESC LIMIT 1`, ref.Tenant, ref.Name, session))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return claw.Summary{}, nil, fmt.Errorf("read summary: %w", err)
	}
	msgs, err := queryAll(ctx, db, "session messages", scanMessage, `SELECT `+messageColumns+` FROM messages
		WHERE tenant_id = ? AND claw = ? AND session = ? AND seq > ? ORDER BY seq`, ref.Tenant, ref.Name, session, sum.Through)
	if err != nil {
		return claw.Summary{}, nil, err
	}
	return sum, msgs, nil
}

// SaveSummary stores a summary, finishing its compaction step.
func (db *DB) SaveSummary(ctx context.Context, ref claw.Ref, step *claw.Step, sum claw.Summary) (claw.Summary, error) {
	var out claw.Summary
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if step != nil {
			if err := db.finishStep(ctx, tx, ref.Tenant, *step, nil); err != nil {
				return err
			}
		}
		var err error
		out, err = db.insertSummary(ctx, tx, ref.Tenant, ref.Name, sum)
		return err
	})
	return out, err
}

func (db *DB) insertSummary(ctx context.Context, tx *sql.Tx, tenant, name string, sum claw.Summary) (claw.Summary, error) {
	s, err := scanSummary(db.txRow(ctx, tx, `INSERT INTO session_summaries (tenant_id, claw, session, through_seq, text, run_id, reset, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+summaryColumns, tenant, name, sum.Session, sum.Through, sum.Text, sum.RunID, sum.Reset, micros(db.now())))
	if err != nil {
		return claw.Summary{}, fmt.Errorf("insert summary: %w", err)
	}
	return s, nil
}

// SessionSummaries lists a session's summaries, oldest first.
func (db *DB) SessionSummaries(ctx context.Context, ref claw.Ref, session string) ([]claw.Summary, error) {
	return queryAll(ctx, db, "session summaries", scanSummary, `SELECT `+summaryColumns+` FROM session_summaries
		WHERE tenant_id = ? AND claw = ? AND session = ? ORDER BY id`, ref.Tenant, ref.Name, session)
}

// ListSessions lists a claw's sessions, most recently active first.
func (db *DB) ListSessions(ctx context.Context, ref claw.Ref, limit int) ([]claw.SessionInfo, error) {
	if _, err := db.GetClaw(ctx, ref); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = math.MaxInt32
	}
	return queryAll(ctx, db, "list sessions", func(r rowScanner) (claw.SessionInfo, error) {
		var s claw.SessionInfo
		var updated int64
		if err := r.Scan(&s.Session, &s.Messages, &s.LastSeq, &updated, &s.Summaries); err != nil {
			return s, err
		}
		s.UpdatedAt = fromMicros(updated)
		return s, nil
	}, `SELECT m.session, count(*), max(m.seq), max(m.created_at),
			(SELECT count(*) FROM session_summaries s WHERE s.tenant_id = m.tenant_id AND s.claw = m.claw AND s.session = m.session)
		FROM messages m WHERE m.tenant_id = ? AND m.claw = ?
		GROUP BY m.tenant_id, m.claw, m.session ORDER BY max(m.seq) DESC LIMIT ?`, ref.Tenant, ref.Name, limit)
}

// ResetSession starts a fresh context for a session.
func (db *DB) ResetSession(ctx context.Context, ref claw.Ref, session string) (claw.Summary, error) {
	var out claw.Summary
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var last sql.NullInt64
		if err := db.txRow(ctx, tx, `SELECT max(seq) FROM messages WHERE tenant_id = ? AND claw = ? AND session = ?`,
			ref.Tenant, ref.Name, session).Scan(&last); err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		if !last.Valid {
			return claw.Errorf(claw.ENOTFOUND, "session %q of claw %q not found", session, ref.Name)
		}
		var err error
		out, err = db.insertSummary(ctx, tx, ref.Tenant, ref.Name, claw.Summary{Session: session, Through: last.Int64, Reset: true})
		return err
	})
	return out, err
}
