package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/reefhq/reef/internal/claw"
)

const eventColumns = `id, tenant_id, claw, kind, idem_key, session, text, reply_to, status, reply, error, run_id, created_at, finished_at,
	parent_claw, parent_run_id, parent_event_id, hops`

func scanEvent(row rowScanner) (claw.Event, error) {
	var e claw.Event
	var created, finished int64
	err := row.Scan(&e.ID, &e.Tenant, &e.Claw, &e.Kind, &e.IdempotencyKey, &e.Session, &e.Text, &e.ReplyTo,
		&e.Status, &e.Reply, &e.Error, &e.RunID, &created, &finished,
		&e.ParentClaw, &e.ParentRunID, &e.ParentEventID, &e.Hops)
	if err != nil {
		return claw.Event{}, err
	}
	e.CreatedAt, e.FinishedAt = fromMicros(created), fromMicrosPtr(finished)
	return e, nil
}

// Enqueue writes an event into a claw's mailbox, once per idempotency key.
func (db *DB) Enqueue(ctx context.Context, ref claw.Ref, ev claw.NewEvent) (claw.Event, bool, error) {
	if ev.IdempotencyKey == "" {
		return claw.Event{}, false, claw.Errorf(claw.EINVALID, "event has no idempotency key")
	}
	var out claw.Event
	var created bool
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := db.txRow(ctx, tx, `SELECT count(*) FROM claws WHERE tenant_id = ? AND name = ?`, ref.Tenant, ref.Name).Scan(&n); err != nil {
			return fmt.Errorf("check claw: %w", err)
		}
		if n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
		}
		e, err := scanEvent(db.txRow(ctx, tx, `INSERT INTO events (tenant_id, claw, kind, idem_key, session, text, reply_to, status, created_at,
				parent_claw, parent_run_id, parent_event_id, hops)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, claw, idem_key) DO NOTHING RETURNING `+eventColumns,
			ref.Tenant, ref.Name, ev.Kind, ev.IdempotencyKey, ev.Session, ev.Text, ev.ReplyTo, claw.EventPending, micros(db.now()),
			ev.Hop.ParentClaw, ev.Hop.ParentRunID, ev.Hop.ParentEventID, ev.Hop.Hops))
		if err == nil {
			out, created = e, true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("insert event: %w", err)
		}
		out, err = scanEvent(db.txRow(ctx, tx, `SELECT `+eventColumns+` FROM events WHERE tenant_id = ? AND claw = ? AND idem_key = ?`,
			ref.Tenant, ref.Name, ev.IdempotencyKey))
		if err != nil {
			return fmt.Errorf("read event: %w", err)
		}
		return nil
	})
	return out, created, err
}

// GetEvent returns one event.
func (db *DB) GetEvent(ctx context.Context, ref claw.Ref, id int64) (claw.Event, error) {
	e, err := scanEvent(db.readRow(ctx, `SELECT `+eventColumns+` FROM events WHERE tenant_id = ? AND claw = ? AND id = ?`, ref.Tenant, ref.Name, id))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Event{}, claw.Errorf(claw.ENOTFOUND, "event %d of claw %q not found", id, ref.Name)
	}
	if err != nil {
		return claw.Event{}, fmt.Errorf("get event: %w", err)
	}
	return e, nil
}

// NextEvent claims the oldest unfinished event of a claw.
func (db *DB) NextEvent(ctx context.Context, ref claw.Ref) (claw.Event, bool, error) {
	var e claw.Event
	ok := false
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		e, ok, err = db.nextEvent(ctx, tx, ref.Tenant, ref.Name)
		return err
	})
	if err != nil {
		return claw.Event{}, false, err
	}
	return e, ok, nil
}

func (db *DB) nextEvent(ctx context.Context, tx *sql.Tx, tenant, name string) (claw.Event, bool, error) {
	e, err := scanEvent(db.txRow(ctx, tx, `UPDATE events SET status = ? WHERE id = (
			SELECT id FROM events WHERE tenant_id = ? AND claw = ? AND status IN ('pending', 'running') ORDER BY id LIMIT 1)
		RETURNING `+eventColumns, claw.EventRunning, tenant, name))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Event{}, false, nil
	}
	if err != nil {
		return claw.Event{}, false, fmt.Errorf("next event: %w", err)
	}
	return e, true, nil
}

// ClaimRun claims the next event and begins or resumes its run.
func (db *DB) ClaimRun(ctx context.Context, tenant string, c claw.Claw) (claw.Event, claw.Run, bool, error) {
	var ev claw.Event
	var run claw.Run
	ok := false
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		if ev, ok, err = db.nextEvent(ctx, tx, tenant, c.Name); err != nil || !ok {
			return err
		}
		if ok, err = db.claimable(ctx, tx, ev); err != nil || !ok {
			return err // a run awaiting approval holds the mailbox
		}
		var created bool
		if run, created, err = db.beginRun(ctx, tx, tenant, ev, c.Version, claw.Message{Content: ev.Text}); err != nil || !created {
			return err
		}
		first := claw.Step{RunID: run.ID, Seq: 1, Kind: claw.StepModel, Name: c.Spec.ModelFor(ev.Kind)}
		if err := db.startStep(ctx, tx, tenant, first); err != nil {
			return err
		}
		run.Steps = 1
		return nil
	})
	if err != nil {
		return claw.Event{}, claw.Run{}, false, err
	}
	return ev, run, ok, nil
}

// PendingClaws lists claws with unfinished events.
func (db *DB) PendingClaws(ctx context.Context) ([]claw.Ref, error) {
	return queryAll(ctx, db, "pending claws", func(r rowScanner) (claw.Ref, error) {
		var ref claw.Ref
		return ref, r.Scan(&ref.Tenant, &ref.Name)
	}, `SELECT DISTINCT tenant_id, claw FROM events WHERE status IN ('pending', 'running') ORDER BY tenant_id, claw`)
}
