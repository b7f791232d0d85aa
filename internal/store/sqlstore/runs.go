package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

const runColumns = `id, tenant_id, claw, event_id, session, spec_version, status, steps, input_tokens, output_tokens, error, attempts, started_at, finished_at,
	parent_claw, parent_run_id, parent_event_id, hops`

// runReadColumns are runColumns plus the run's count of compact steps,
// for reads of the runs table.
const runReadColumns = runColumns + `,
	(SELECT count(*) FROM steps s WHERE s.run_id = runs.id AND s.kind = 'compact')`

// scanRunRead scans runReadColumns.
func scanRunRead(row rowScanner) (claw.Run, error) {
	var n int
	r, err := scanRunWith(row, &n)
	r.Compactions = n
	return r, err
}

func scanRun(row rowScanner) (claw.Run, error) { return scanRunWith(row) }

// scanRunWith scans runColumns and then extra.
func scanRunWith(row rowScanner, extra ...any) (claw.Run, error) {
	var r claw.Run
	var started, finished int64
	dest := []any{&r.ID, &r.Tenant, &r.Claw, &r.EventID, &r.Session, &r.SpecVersion, &r.Status, &r.Steps,
		&r.InputTokens, &r.OutputTokens, &r.Error, &r.Attempts, &started, &finished,
		&r.ParentClaw, &r.ParentRunID, &r.ParentEventID, &r.Hops}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return claw.Run{}, err
	}
	r.StartedAt, r.FinishedAt = fromMicros(started), fromMicrosPtr(finished)
	return r, nil
}

// BeginRun creates or resumes the run of an event.
func (db *DB) BeginRun(ctx context.Context, tenant string, ev claw.Event, specVersion int, user claw.Message) (claw.Run, error) {
	var run claw.Run
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		run, _, err = db.beginRun(ctx, tx, tenant, ev, specVersion, user)
		return err
	})
	return run, err
}

func (db *DB) beginRun(ctx context.Context, tx *sql.Tx, tenant string, ev claw.Event, specVersion int, user claw.Message) (claw.Run, bool, error) {
	r, err := scanRun(db.txRow(ctx, tx, `UPDATE runs SET attempts = attempts + 1 WHERE tenant_id = ? AND event_id = ? RETURNING `+runColumns, tenant, ev.ID))
	if err == nil {
		return r, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return claw.Run{}, false, fmt.Errorf("resume run: %w", err)
	}
	now := micros(db.now())
	run, err := scanRun(db.txRow(ctx, tx, `INSERT INTO runs (tenant_id, claw, event_id, session, spec_version, status, started_at,
			parent_claw, parent_run_id, parent_event_id, hops)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+runColumns, tenant, ev.Claw, ev.ID, ev.Session, specVersion, claw.RunRunning, now,
		ev.ParentClaw, ev.ParentRunID, ev.ParentEventID, ev.Hops))
	if err != nil {
		return claw.Run{}, false, fmt.Errorf("insert run: %w", err)
	}
	if _, err := db.txExec(ctx, tx, `UPDATE events SET run_id = ? WHERE id = ?`, run.ID, ev.ID); err != nil {
		return claw.Run{}, false, fmt.Errorf("link run: %w", err)
	}
	user.Role, user.Session, user.EventID = claw.RoleUser, ev.Session, ev.ID
	if err := db.insertMessages(ctx, tx, tenant, ev.Claw, []claw.Message{user}, now); err != nil {
		return claw.Run{}, false, err
	}
	return run, true, nil
}

func (db *DB) insertMessages(ctx context.Context, tx *sql.Tx, tenant, name string, msgs []claw.Message, now int64) error {
	for _, m := range msgs {
		calls := ""
		if len(m.ToolCalls) > 0 {
			b, err := json.Marshal(m.ToolCalls)
			if err != nil {
				return fmt.Errorf("encode tool calls: %w", err)
			}
			calls = string(b)
		}
		if _, err := db.txExec(ctx, tx, `INSERT INTO messages (tenant_id, claw, session, event_id, role, content, tool_calls, tool_call_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenant, name, m.Session, m.EventID, m.Role, m.Content, calls, m.ToolCallID, now); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
	}
	return nil
}

// RunSteps lists a run's steps in order.
func (db *DB) RunSteps(ctx context.Context, tenant string, runID int64) ([]claw.Step, error) {
	return queryAll(ctx, db, "list steps", scanStep, `SELECT run_id, seq, kind, name, tool_call_id, status, input_tokens, output_tokens, error, started_at, finished_at
		FROM steps WHERE tenant_id = ? AND run_id = ? ORDER BY seq`, tenant, runID)
}

func scanStep(r rowScanner) (claw.Step, error) {
	var s claw.Step
	var started, finished int64
	if err := r.Scan(&s.RunID, &s.Seq, &s.Kind, &s.Name, &s.ToolCallID, &s.Status, &s.InputTokens, &s.OutputTokens, &s.Error, &started, &finished); err != nil {
		return s, err
	}
	s.StartedAt, s.FinishedAt = fromMicros(started), fromMicrosPtr(finished)
	return s, nil
}

// StartStep records a step before it happens.
func (db *DB) StartStep(ctx context.Context, tenant string, s claw.Step) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return db.startStep(ctx, tx, tenant, s)
	})
}

func (db *DB) startStep(ctx context.Context, tx *sql.Tx, tenant string, s claw.Step) error {
	var steps int
	if err := db.txRow(ctx, tx, `SELECT steps FROM runs WHERE tenant_id = ? AND id = ?`, tenant, s.RunID).Scan(&steps); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return claw.Errorf(claw.ENOTFOUND, "run %d not found", s.RunID)
		}
		return fmt.Errorf("read run: %w", err)
	}
	if s.Seq != steps+1 {
		return claw.Errorf(claw.ECONFLICT, "run %d: step %d is not the next step (%d)", s.RunID, s.Seq, steps+1)
	}
	if _, err := db.txExec(ctx, tx, `INSERT INTO steps (tenant_id, run_id, seq, kind, name, tool_call_id, status, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tenant, s.RunID, s.Seq, s.Kind, s.Name, s.ToolCallID, claw.StepStarted, micros(db.now())); err != nil {
		return fmt.Errorf("insert step: %w", err)
	}
	if _, err := db.txExec(ctx, tx, `UPDATE runs SET steps = ? WHERE id = ?`, s.Seq, s.RunID); err != nil {
		return fmt.Errorf("count step: %w", err)
	}
	return nil
}

// FinishStep records a step's outcome with the messages it produced.
func (db *DB) FinishStep(ctx context.Context, tenant string, s claw.Step, msgs []claw.Message) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return db.finishStep(ctx, tx, tenant, s, msgs)
	})
}

func (db *DB) finishStep(ctx context.Context, tx *sql.Tx, tenant string, s claw.Step, msgs []claw.Message) error {
	now := micros(db.now())
	res, err := db.txExec(ctx, tx, `UPDATE steps SET status = ?, input_tokens = ?, output_tokens = ?, error = ?, finished_at = ?
		WHERE tenant_id = ? AND run_id = ? AND seq = ?`, s.Status, s.InputTokens, s.OutputTokens, s.Error, now, tenant, s.RunID, s.Seq)
	if err != nil {
		return fmt.Errorf("finish step: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return claw.Errorf(claw.ENOTFOUND, "step %d of run %d not found", s.Seq, s.RunID)
	}
	var name string
	if err := db.txRow(ctx, tx, `UPDATE runs SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?
		WHERE id = ? RETURNING claw`, s.InputTokens, s.OutputTokens, s.RunID).Scan(&name); err != nil {
		return fmt.Errorf("count tokens: %w", err)
	}
	return db.insertMessages(ctx, tx, tenant, name, msgs, now)
}

// FinishRun ends a run and its event, writing the outbox.
func (db *DB) FinishRun(ctx context.Context, tenant string, f store.RunEnd) error {
	evStatus := claw.EventCompleted
	if f.Status != claw.RunCompleted {
		evStatus = claw.EventFailed
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := db.now()
		if f.Step != nil {
			if err := db.finishStep(ctx, tx, tenant, *f.Step, f.Messages); err != nil {
				return err
			}
		}
		if _, err := db.txExec(ctx, tx, `UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE tenant_id = ? AND id = ?`,
			f.Status, f.Error, micros(now), tenant, f.RunID); err != nil {
			return fmt.Errorf("finish run: %w", err)
		}
		res, err := db.txExec(ctx, tx, `UPDATE events SET status = ?, reply = ?, error = ?, finished_at = ? WHERE tenant_id = ? AND id = ?`,
			evStatus, f.Reply, f.Error, micros(now), tenant, f.EventID)
		if err != nil {
			return fmt.Errorf("finish event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "event %d not found", f.EventID)
		}
		if err := db.settleFire(ctx, tx, tenant, f, now); err != nil {
			return err
		}
		for _, o := range f.Outbox {
			next := o.NextAt
			if next.IsZero() {
				next = now
			}
			if _, err := db.txExec(ctx, tx, `INSERT INTO outbox (tenant_id, claw, event_id, kind, target, payload, status, next_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tenant, o.Claw, f.EventID, o.Kind, o.Target, o.Payload, store.OutboxPending, micros(next)); err != nil {
				return fmt.Errorf("insert outbox: %w", err)
			}
		}
		return nil
	})
}

// GetRun returns one run.
func (db *DB) GetRun(ctx context.Context, ref claw.Ref, id int64) (claw.Run, error) {
	r, err := scanRunRead(db.readRow(ctx, `SELECT `+runReadColumns+` FROM runs WHERE tenant_id = ? AND claw = ? AND id = ?`, ref.Tenant, ref.Name, id))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Run{}, claw.Errorf(claw.ENOTFOUND, "run %d of claw %q not found", id, ref.Name)
	}
	if err != nil {
		return claw.Run{}, fmt.Errorf("get run: %w", err)
	}
	return r, nil
}

// ListRuns returns a claw's newest runs.
func (db *DB) ListRuns(ctx context.Context, ref claw.Ref, limit int) ([]claw.Run, error) {
	if limit <= 0 {
		limit = 20
	}
	return queryAll(ctx, db, "list runs", scanRunRead,
		`SELECT `+runReadColumns+` FROM runs WHERE tenant_id = ? AND claw = ? ORDER BY id DESC LIMIT ?`, ref.Tenant, ref.Name, limit)
}

// SessionMessages returns a session transcript in order.
func (db *DB) SessionMessages(ctx context.Context, ref claw.Ref, session string, limit int) ([]claw.Message, error) {
	const columns = `seq, session, event_id, role, content, tool_calls, tool_call_id, created_at`
	if limit > 0 {
		return queryAll(ctx, db, "session messages", scanMessage, `SELECT * FROM (SELECT `+columns+` FROM messages
			WHERE tenant_id = ? AND claw = ? AND session = ? ORDER BY seq DESC LIMIT ?) m ORDER BY seq`, ref.Tenant, ref.Name, session, limit)
	}
	return queryAll(ctx, db, "session messages", scanMessage, `SELECT `+columns+` FROM messages
		WHERE tenant_id = ? AND claw = ? AND session = ? ORDER BY seq`, ref.Tenant, ref.Name, session)
}

func scanMessage(r rowScanner) (claw.Message, error) {
	var m claw.Message
	var calls string
	var created int64
	if err := r.Scan(&m.Seq, &m.Session, &m.EventID, &m.Role, &m.Content, &calls, &m.ToolCallID, &created); err != nil {
		return m, err
	}
	if calls != "" {
		if err := json.Unmarshal([]byte(calls), &m.ToolCalls); err != nil {
			return m, fmt.Errorf("decode tool calls: %w", err)
		}
	}
	m.CreatedAt = fromMicros(created)
	return m, nil
}
