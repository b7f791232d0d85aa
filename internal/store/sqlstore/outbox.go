package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/reefhq/reef/internal/store"
)

// ClaimOutbox leases due outbox entries.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxEntry, error) {
	var out []store.OutboxEntry
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := db.txQuery(ctx, tx, `SELECT id, tenant_id, claw, event_id, kind, target, payload, status, attempts, last_error, next_at
			FROM outbox WHERE status = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?`, store.OutboxPending, micros(now), limit)
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		for rows.Next() {
			var o store.OutboxEntry
			var next int64
			if err := rows.Scan(&o.ID, &o.Tenant, &o.Claw, &o.EventID, &o.Kind, &o.Target, &o.Payload, &o.Status, &o.Attempts, &o.LastErr, &next); err != nil {
				rows.Close()
				return fmt.Errorf("claim outbox: %w", err)
			}
			o.NextAt = fromMicros(next)
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		for _, o := range out {
			if _, err := db.txExec(ctx, tx, `UPDATE outbox SET next_at = ?, attempts = attempts + 1 WHERE id = ?`, micros(now.Add(lease)), o.ID); err != nil {
				return fmt.Errorf("lease outbox: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// NextOutboxAt returns when the earliest pending entry is due.
func (db *DB) NextOutboxAt(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := db.readRow(ctx, `SELECT min(next_at) FROM outbox WHERE status = ?`, store.OutboxPending).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next outbox entry: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(at.Int64), true, nil
}

// SettleOutbox records a delivery attempt.
func (db *DB) SettleOutbox(ctx context.Context, id int64, res store.OutboxResult) error {
	status := store.OutboxPending
	switch {
	case res.Delivered:
		status = store.OutboxDelivered
	case res.Dead:
		status = store.OutboxDead
	}
	err := db.exec(ctx, `UPDATE outbox SET status = ?, last_error = ?, next_at = ? WHERE id = ?`,
		status, res.Error, micros(res.NextAt), id)
	if err != nil {
		return fmt.Errorf("settle outbox: %w", err)
	}
	return nil
}
