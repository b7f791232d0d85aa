package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SandboxSlot returns the tenant's sandbox slot, allocating the next one
// on first use. Two nodes allocating at once collide on the table's
// unique keys; the loser retries and reads or takes the next slot.
func (db *DB) SandboxSlot(ctx context.Context, tenant string) (int, error) {
	var slot int
	var err error
	for range 5 {
		if err = db.readRow(ctx, `SELECT slot FROM sandbox_slots WHERE tenant_id = ?`, tenant).Scan(&slot); err == nil {
			return slot, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("read sandbox slot: %w", err)
		}
		err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			err := db.txRow(ctx, tx, `SELECT slot FROM sandbox_slots WHERE tenant_id = ?`, tenant).Scan(&slot)
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := db.txRow(ctx, tx, `SELECT COALESCE(MAX(slot), -1) + 1 FROM sandbox_slots`).Scan(&slot); err != nil {
				return err
			}
			_, err = db.txExec(ctx, tx, `INSERT INTO sandbox_slots (tenant_id, slot) VALUES (?, ?)`, tenant, slot)
			return err
		})
		if err == nil {
			return slot, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return 0, fmt.Errorf("allocate sandbox slot: %w", err)
}
