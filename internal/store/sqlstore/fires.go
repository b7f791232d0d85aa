package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/store"
)

// FireSchedules applies firings in one transaction.
func (db *DB) FireSchedules(ctx context.Context, fs []store.Firing) ([]store.FireResult, error) {
	var out []store.FireResult
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		for _, f := range fs {
			res, err := db.fire(ctx, tx, f)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	})
	return out, err
}

func (db *DB) fire(ctx context.Context, tx *sql.Tx, f store.Firing) (store.FireResult, error) {
	now := micros(db.now())
	var res sql.Result
	var err error
	if !f.Expect.IsZero() {
		res, err = db.txExec(ctx, tx, `UPDATE schedules SET next_fire = ?, skipped = skipped + ?,
			last_status = CASE WHEN ? = '' THEN last_status ELSE ? END, updated_at = ?
			WHERE tenant_id = ? AND claw = ? AND name = ? AND next_fire = ?`,
			optToMicros(f.Next), f.Skipped, f.Status, f.Status, now, f.Tenant, f.Claw, f.Schedule, micros(f.Expect))
	} else {
		res, err = db.txExec(ctx, tx, `UPDATE schedules SET updated_at = ? WHERE tenant_id = ? AND claw = ? AND name = ?`,
			now, f.Tenant, f.Claw, f.Schedule)
	}
	if err != nil {
		return store.FireResult{}, fmt.Errorf("advance schedule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.FireResult{}, nil
	}
	out := store.FireResult{Applied: true}
	var lastAt time.Time
	for _, fe := range f.Events {
		ev := fe.Event
		e, err := scanEvent(db.txRow(ctx, tx, `INSERT INTO events (tenant_id, claw, kind, idem_key, session, text, reply_to, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, claw, idem_key) DO NOTHING RETURNING `+eventColumns,
			f.Tenant, f.Claw, ev.Kind, ev.IdempotencyKey, ev.Session, ev.Text, ev.ReplyTo, claw.EventPending, now))
		if errors.Is(err, sql.ErrNoRows) {
			continue // fired before: once per (claw, schedule, fire time)
		}
		if err != nil {
			return store.FireResult{}, fmt.Errorf("enqueue fire: %w", err)
		}
		attempt := max(fe.Attempt, 1)
		if _, err := db.txExec(ctx, tx, `INSERT INTO schedule_fires (event_id, tenant_id, claw, schedule, fire_at, attempt, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, f.Tenant, f.Claw, f.Schedule, micros(fe.At), attempt, store.FirePending, now); err != nil {
			return store.FireResult{}, fmt.Errorf("record fire: %w", err)
		}
		if fe.RetryOf != 0 {
			if _, err := db.txExec(ctx, tx, `UPDATE schedule_fires SET status = ?, retry_at = 0 WHERE event_id = ? AND status = 'retrying'`,
				store.FireRetried, fe.RetryOf); err != nil {
				return store.FireResult{}, fmt.Errorf("mark retried: %w", err)
			}
		}
		out.Events = append(out.Events, e)
		lastAt = fe.At
	}
	if n := len(out.Events); n > 0 {
		if _, err := db.txExec(ctx, tx, `UPDATE schedules SET fires = fires + ?, last_fire = ?, last_event = ?, last_status = ?, last_error = ''
			WHERE tenant_id = ? AND claw = ? AND name = ?`, n, micros(lastAt), out.Events[n-1].ID, store.FirePending, f.Tenant, f.Claw, f.Schedule); err != nil {
			return store.FireResult{}, fmt.Errorf("count fires: %w", err)
		}
	}
	return out, nil
}

// settleFire records how the run of a scheduled event ended, in
// FinishRun's transaction: completed, retrying after a backoff, or dead
// once its retries are spent. An event no schedule fired is left alone.
func (db *DB) settleFire(ctx context.Context, tx *sql.Tx, tenant string, f store.RunEnd, now time.Time) error {
	var attempt int
	var sched, name string
	var retries sql.NullInt64
	var kind sql.NullString
	err := db.txRow(ctx, tx, `SELECT f.attempt, f.schedule, f.claw, s.retries, s.kind FROM schedule_fires f
		LEFT JOIN schedules s ON s.tenant_id = f.tenant_id AND s.claw = f.claw AND s.name = f.schedule
		WHERE f.tenant_id = ? AND f.event_id = ?`, tenant, f.EventID).Scan(&attempt, &sched, &name, &retries, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read fire: %w", err)
	}
	status, retryAt := store.FireCompleted, int64(0)
	switch {
	case f.Status == claw.RunCompleted && kind.String == claw.KindHeartbeat && f.Reply == claw.HeartbeatOK:
		status = store.FireHeartbeatOK
	case f.Status == claw.RunCompleted:
	case !retries.Valid:
		status = store.FireCancelled // its schedule is gone
	case attempt <= int(retries.Int64):
		status, retryAt = store.FireRetrying, micros(now.Add(schedule.RetryDelay(attempt)))
	default:
		status = store.FireDead
	}
	if _, err := db.txExec(ctx, tx, `UPDATE schedule_fires SET status = ?, error = ?, retry_at = ?, finished_at = ? WHERE event_id = ?`,
		status, f.Error, retryAt, micros(now), f.EventID); err != nil {
		return fmt.Errorf("settle fire: %w", err)
	}
	if _, err := db.txExec(ctx, tx, `UPDATE schedules SET last_status = ?, last_error = ? WHERE tenant_id = ? AND claw = ? AND name = ? AND last_event <= ?`,
		status, f.Error, tenant, name, sched, f.EventID); err != nil {
		return fmt.Errorf("settle schedule: %w", err)
	}
	return nil
}
