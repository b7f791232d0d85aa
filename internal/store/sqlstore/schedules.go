package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/store"
)

const scheduleColumns = `tenant_id, claw, name, origin, kind, def, paused, next_fire, fires, skipped, last_fire, last_event, last_status, last_error, created_at, updated_at`

func scanSchedule(row rowScanner) (store.Schedule, error) {
	var s store.Schedule
	var def string
	var next, last, created, updated int64
	if err := row.Scan(&s.Tenant, &s.Claw, &s.Name, &s.Origin, &s.Kind, &def, &s.Paused, &next, &s.Fires, &s.Skipped,
		&last, &s.LastEvent, &s.LastStatus, &s.LastError, &created, &updated); err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(def), &s.Def); err != nil {
		return s, fmt.Errorf("decode schedule %s: %w", s.Name, err)
	}
	s.NextFire, s.LastFire = optMicros(next), optMicros(last)
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return s, nil
}

func optMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

func optToMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// syncSchedules brings a claw's spec schedules in line with spec, in
// ApplyClaw's transaction.
func (db *DB) syncSchedules(ctx context.Context, tx *sql.Tx, tenant string, spec claw.Spec) error {
	now := db.now()
	type row struct{ kind, def string }
	have := map[string]row{}
	rows, err := db.txQuery(ctx, tx, `SELECT name, kind, def FROM schedules WHERE tenant_id = ? AND claw = ? AND origin = ?`,
		tenant, spec.Name, schedule.OriginSpec)
	if err != nil {
		return fmt.Errorf("read schedules: %w", err)
	}
	for rows.Next() {
		var name string
		var r row
		if err := rows.Scan(&name, &r.kind, &r.def); err != nil {
			rows.Close()
			return fmt.Errorf("read schedules: %w", err)
		}
		have[name] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schedules: %w", err)
	}
	for _, d := range schedule.FromSpec(spec) {
		b, err := json.Marshal(d.Spec)
		if err != nil {
			return fmt.Errorf("encode schedule: %w", err)
		}
		old, exists := have[d.Spec.Name]
		delete(have, d.Spec.Name)
		if exists && old.kind == d.Kind && old.def == string(b) {
			continue // unchanged: keeps its next fire, pause and history
		}
		rule, err := schedule.Compile(d.Spec)
		if err != nil {
			return claw.Errorf(claw.EINVALID, "schedule %s: %v", d.Spec.Name, err)
		}
		next, status := firstFire(rule, now)
		if exists {
			_, err = db.txExec(ctx, tx, `UPDATE schedules SET kind = ?, def = ?, retries = ?, next_fire = ?, last_status = CASE WHEN ? = '' THEN last_status ELSE ? END, updated_at = ?
				WHERE tenant_id = ? AND claw = ? AND name = ?`, d.Kind, string(b), d.Spec.RetryLimit(), optToMicros(next), status, status, micros(now),
				tenant, spec.Name, d.Spec.Name)
		} else {
			err = db.insertSchedule(ctx, tx, tenant, spec.Name, schedule.OriginSpec, d.Kind, d.Spec, b, next, status, now)
		}
		if err != nil {
			return fmt.Errorf("store schedule %s: %w", d.Spec.Name, err)
		}
	}
	for name := range have {
		if err := db.deleteSchedule(ctx, tx, tenant, spec.Name, name); err != nil {
			return err
		}
	}
	return nil
}

// firstFire is a new schedule's first fire; a one-shot already past when
// the schedule is made never fires.
func firstFire(r schedule.Rule, now time.Time) (time.Time, string) {
	next, ok := r.First(now)
	switch {
	case !ok:
		return time.Time{}, "never fires"
	case r.OneShot() && next.Before(now.Add(-schedule.Grace)):
		return time.Time{}, "past"
	}
	return next, ""
}

func (db *DB) insertSchedule(ctx context.Context, tx *sql.Tx, tenant, name, origin, kind string, def claw.ScheduleSpec, defJSON []byte, next time.Time, status string, now time.Time) error {
	_, err := db.txExec(ctx, tx, `INSERT INTO schedules (tenant_id, claw, name, origin, kind, def, retries, paused, next_fire, last_status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenant, name, def.Name, origin, kind, string(defJSON), def.RetryLimit(), false,
		optToMicros(next), status, micros(now), micros(now))
	return err
}

func (db *DB) deleteSchedule(ctx context.Context, tx *sql.Tx, tenant, name, sched string) error {
	if _, err := db.txExec(ctx, tx, `DELETE FROM schedules WHERE tenant_id = ? AND claw = ? AND name = ?`, tenant, name, sched); err != nil {
		return fmt.Errorf("delete schedule: %w", err)
	}
	if _, err := db.txExec(ctx, tx, `UPDATE schedule_fires SET status = ?, retry_at = 0 WHERE tenant_id = ? AND claw = ? AND schedule = ? AND status = 'retrying'`,
		store.FireCancelled, tenant, name, sched); err != nil {
		return fmt.Errorf("cancel retries: %w", err)
	}
	return nil
}

// deleteClawSchedules removes every schedule and fire of a claw, in
// DeleteClaw's transaction.
func (db *DB) deleteClawSchedules(ctx context.Context, tx *sql.Tx, tenant, name string) error {
	for _, q := range []string{
		`DELETE FROM schedules WHERE tenant_id = ? AND claw = ?`,
		`DELETE FROM schedule_fires WHERE tenant_id = ? AND claw = ?`,
	} {
		if _, err := db.txExec(ctx, tx, q, tenant, name); err != nil {
			return fmt.Errorf("delete schedules: %w", err)
		}
	}
	return nil
}

// CreateSchedule stores a claw-made schedule.
func (db *DB) CreateSchedule(ctx context.Context, tenant string, s store.Schedule, max int) (store.Schedule, error) {
	b, err := json.Marshal(s.Def)
	if err != nil {
		return store.Schedule{}, fmt.Errorf("encode schedule: %w", err)
	}
	var out store.Schedule
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := db.txRow(ctx, tx, `SELECT count(*) FROM claws WHERE tenant_id = ? AND name = ?`, tenant, s.Claw).Scan(&n); err != nil {
			return fmt.Errorf("check claw: %w", err)
		}
		if n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q not found", s.Claw)
		}
		if err := db.txRow(ctx, tx, `SELECT count(*) FROM schedules WHERE tenant_id = ? AND claw = ? AND origin = ?`,
			tenant, s.Claw, schedule.OriginClaw).Scan(&n); err != nil {
			return fmt.Errorf("count schedules: %w", err)
		}
		if n >= max {
			return claw.Errorf(claw.ECONFLICT, "claw %q already has %d schedules of its own (max_schedules %d): cancel one first", s.Claw, n, max)
		}
		if err := db.txRow(ctx, tx, `SELECT count(*) FROM schedules WHERE tenant_id = ? AND claw = ? AND name = ?`,
			tenant, s.Claw, s.Def.Name).Scan(&n); err != nil {
			return fmt.Errorf("check schedule: %w", err)
		}
		if n > 0 {
			return claw.Errorf(claw.ECONFLICT, "claw %q already has a schedule %q", s.Claw, s.Def.Name)
		}
		kind := s.Kind
		if kind == "" {
			kind = claw.KindSchedule
		}
		if err := db.insertSchedule(ctx, tx, tenant, s.Claw, schedule.OriginClaw, kind, s.Def, b, s.NextFire, "", db.now()); err != nil {
			return fmt.Errorf("insert schedule: %w", err)
		}
		var err error
		out, err = scanSchedule(db.txRow(ctx, tx, `SELECT `+scheduleColumns+` FROM schedules WHERE tenant_id = ? AND claw = ? AND name = ?`,
			tenant, s.Claw, s.Def.Name))
		return err
	})
	return out, err
}

// ListSchedules returns a claw's schedules.
func (db *DB) ListSchedules(ctx context.Context, ref claw.Ref) ([]store.Schedule, error) {
	return queryAll(ctx, db, "list schedules", scanSchedule,
		`SELECT `+scheduleColumns+` FROM schedules WHERE tenant_id = ? AND claw = ? ORDER BY name`, ref.Tenant, ref.Name)
}

// GetSchedule returns one schedule.
func (db *DB) GetSchedule(ctx context.Context, ref claw.Ref, sched string) (store.Schedule, error) {
	s, err := scanSchedule(db.readRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE tenant_id = ? AND claw = ? AND name = ?`, ref.Tenant, ref.Name, sched))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Schedule{}, claw.Errorf(claw.ENOTFOUND, "claw %q has no schedule %q", ref.Name, sched)
	}
	if err != nil {
		return store.Schedule{}, fmt.Errorf("get schedule: %w", err)
	}
	return s, nil
}

// DeleteSchedule removes a schedule.
func (db *DB) DeleteSchedule(ctx context.Context, ref claw.Ref, sched string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := db.txRow(ctx, tx, `SELECT count(*) FROM schedules WHERE tenant_id = ? AND claw = ? AND name = ?`, ref.Tenant, ref.Name, sched).Scan(&n); err != nil {
			return fmt.Errorf("check schedule: %w", err)
		}
		if n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q has no schedule %q", ref.Name, sched)
		}
		return db.deleteSchedule(ctx, tx, ref.Tenant, ref.Name, sched)
	})
}

// SetSchedulePaused pauses or resumes a schedule.
func (db *DB) SetSchedulePaused(ctx context.Context, p store.SchedulePause) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE schedules SET paused = ?, next_fire = CASE WHEN ? = 0 THEN next_fire ELSE ? END, updated_at = ?
			WHERE tenant_id = ? AND claw = ? AND name = ?`, p.Paused, optToMicros(p.Next), optToMicros(p.Next), micros(db.now()), p.Ref.Tenant, p.Ref.Name, p.Schedule)
		if err != nil {
			return fmt.Errorf("pause schedule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q has no schedule %q", p.Ref.Name, p.Schedule)
		}
		return nil
	})
}

// NextScheduleAt returns the earliest due time of a schedule or retry.
func (db *DB) NextScheduleAt(ctx context.Context) (time.Time, bool, error) {
	var a, b sql.NullInt64
	if err := db.readRow(ctx, `SELECT min(next_fire) FROM schedules WHERE next_fire > 0 AND paused = ?`, false).Scan(&a); err != nil {
		return time.Time{}, false, fmt.Errorf("next schedule: %w", err)
	}
	if err := db.readRow(ctx, `SELECT min(f.retry_at) FROM schedule_fires f JOIN schedules s
		ON s.tenant_id = f.tenant_id AND s.claw = f.claw AND s.name = f.schedule
		WHERE f.status = 'retrying' AND s.paused = ?`, false).Scan(&b); err != nil {
		return time.Time{}, false, fmt.Errorf("next retry: %w", err)
	}
	switch {
	case a.Valid && b.Valid:
		return fromMicros(min(a.Int64, b.Int64)), true, nil
	case a.Valid:
		return fromMicros(a.Int64), true, nil
	case b.Valid:
		return fromMicros(b.Int64), true, nil
	}
	return time.Time{}, false, nil
}

// DueSchedules returns schedules due at now.
func (db *DB) DueSchedules(ctx context.Context, now time.Time, limit int) ([]store.Schedule, error) {
	return queryAll(ctx, db, "due schedules", scanSchedule, `SELECT `+scheduleColumns+` FROM schedules
		WHERE next_fire > 0 AND next_fire <= ? AND paused = ? ORDER BY next_fire LIMIT ?`, micros(now), false, limit)
}

const fireColumns = `f.event_id, f.tenant_id, f.claw, f.schedule, f.fire_at, f.attempt, f.status, f.error, f.retry_at, f.created_at, f.finished_at`

func scanFire(r rowScanner, extra ...any) (store.ScheduleFire, error) {
	var f store.ScheduleFire
	var at, retry, created, finished int64
	if err := r.Scan(append([]any{&f.EventID, &f.Tenant, &f.Claw, &f.Schedule, &at, &f.Attempt, &f.Status, &f.Error, &retry, &created, &finished}, extra...)...); err != nil {
		return f, err
	}
	f.FireAt, f.RetryAt, f.CreatedAt, f.FinishedAt = fromMicros(at), optMicros(retry), fromMicros(created), fromMicrosPtr(finished)
	return f, nil
}

// DueRetries returns failed fires whose retry is due.
func (db *DB) DueRetries(ctx context.Context, now time.Time, limit int) ([]store.ScheduleFire, error) {
	return queryAll(ctx, db, "due retries", func(r rowScanner) (store.ScheduleFire, error) {
		var kind, session, text string
		f, err := scanFire(r, &kind, &session, &text)
		f.Kind, f.Session, f.Text = kind, session, text
		return f, err
	}, `SELECT `+fireColumns+`, e.kind, e.session, e.text FROM schedule_fires f
		JOIN schedules s ON s.tenant_id = f.tenant_id AND s.claw = f.claw AND s.name = f.schedule
		JOIN events e ON e.id = f.event_id
		WHERE f.status = 'retrying' AND f.retry_at <= ? AND s.paused = ? ORDER BY f.retry_at LIMIT ?`, micros(now), false, limit)
}

// ScheduleFires returns a schedule's recent fires.
func (db *DB) ScheduleFires(ctx context.Context, ref claw.Ref, sched string, limit int) ([]store.ScheduleFire, error) {
	if limit <= 0 {
		limit = 20
	}
	return queryAll(ctx, db, "schedule fires", func(r rowScanner) (store.ScheduleFire, error) { return scanFire(r) },
		`SELECT `+fireColumns+` FROM schedule_fires f WHERE f.tenant_id = ? AND f.claw = ? AND f.schedule = ? ORDER BY f.event_id DESC LIMIT ?`,
		ref.Tenant, ref.Name, sched, limit)
}

// LastInbound returns when the claw's newest message came in.
func (db *DB) LastInbound(ctx context.Context, ref claw.Ref) (time.Time, error) {
	var created int64
	var last sql.NullInt64
	err := db.readRow(ctx, `SELECT c.created_at, (SELECT max(e.created_at) FROM events e WHERE e.tenant_id = c.tenant_id AND e.claw = c.name AND e.kind = 'message')
		FROM claws c WHERE c.tenant_id = ? AND c.name = ?`, ref.Tenant, ref.Name).Scan(&created, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("last inbound: %w", err)
	}
	if last.Valid {
		return fromMicros(last.Int64), nil
	}
	return fromMicros(created), nil
}
