package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

const clawColumns = `c.tenant_id, c.name, c.version, c.state, c.last_error, c.restarts, c.created_at, c.updated_at, v.spec`

const clawFrom = ` FROM claws c JOIN claw_versions v ON v.tenant_id = c.tenant_id AND v.claw = c.name AND v.version = c.version`

func scanClaw(row rowScanner) (claw.Claw, []byte, error) {
	var c claw.Claw
	var created, updated int64
	var spec string
	if err := row.Scan(&c.Tenant, &c.Name, &c.Version, &c.State, &c.LastError, &c.Restarts, &created, &updated, &spec); err != nil {
		return claw.Claw{}, nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(spec), &c.Spec); err != nil {
		return claw.Claw{}, nil, fmt.Errorf("decode spec of %s v%d: %w", c.Name, c.Version, err)
	}
	return c, []byte(spec), nil
}

// ApplyClaw stores a new version when the spec changed.
func (db *DB) ApplyClaw(ctx context.Context, tenant string, spec claw.Spec, canonical []byte) (store.ApplyResult, error) {
	var res store.ApplyResult
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := micros(db.now())
		cur, curSpec, err := scanClaw(db.txRow(ctx, tx, `SELECT `+clawColumns+clawFrom+` WHERE c.tenant_id = ? AND c.name = ?`, tenant, spec.Name))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := db.txExec(ctx, tx, `INSERT INTO claws (tenant_id, name, version, state, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)`,
				tenant, spec.Name, claw.StateIdle, now, now); err != nil {
				return fmt.Errorf("insert claw: %w", err)
			}
			if err := db.insertVersion(ctx, tx, tenant, spec.Name, 1, canonical, now); err != nil {
				return err
			}
			res.Created, res.Changed = true, true
		case err != nil:
			return fmt.Errorf("read claw: %w", err)
		case bytes.Equal(curSpec, canonical):
			res.Claw = cur
			return nil
		default:
			next := cur.Version + 1
			if err := db.insertVersion(ctx, tx, tenant, spec.Name, next, canonical, now); err != nil {
				return err
			}
			// A new spec is the operator's answer to a crash loop.
			if _, err := db.txExec(ctx, tx, `UPDATE claws SET version = ?, updated_at = ?,
				state = CASE WHEN state = ? THEN ? ELSE state END,
				restarts = CASE WHEN state = ? THEN 0 ELSE restarts END
				WHERE tenant_id = ? AND name = ?`,
				next, now, claw.StateCrashloop, claw.StateIdle, claw.StateCrashloop, tenant, spec.Name); err != nil {
				return fmt.Errorf("update claw: %w", err)
			}
			res.Changed, res.Previous, res.Unparked = true, cur.Spec, cur.State == claw.StateCrashloop
		}
		if err := db.syncSchedules(ctx, tx, tenant, spec); err != nil {
			return err
		}
		res.Claw, _, err = scanClaw(db.txRow(ctx, tx, `SELECT `+clawColumns+clawFrom+` WHERE c.tenant_id = ? AND c.name = ?`, tenant, spec.Name))
		if err != nil {
			return fmt.Errorf("read claw: %w", err)
		}
		return nil
	})
	return res, err
}

func (db *DB) insertVersion(ctx context.Context, tx *sql.Tx, tenant, name string, v int, spec []byte, now int64) error {
	if _, err := db.txExec(ctx, tx, `INSERT INTO claw_versions (tenant_id, claw, version, spec, created_at) VALUES (?, ?, ?, ?, ?)`,
		tenant, name, v, string(spec), now); err != nil {
		return fmt.Errorf("insert version: %w", err)
	}
	return nil
}

// GetClaw returns one claw.
func (db *DB) GetClaw(ctx context.Context, ref claw.Ref) (claw.Claw, error) {
	c, _, err := scanClaw(db.readRow(ctx, `SELECT `+clawColumns+clawFrom+` WHERE c.tenant_id = ? AND c.name = ?`, ref.Tenant, ref.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Claw{}, claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
	}
	if err != nil {
		return claw.Claw{}, fmt.Errorf("get claw: %w", err)
	}
	return c, nil
}

// ListClaws lists a tenant's claws by name.
func (db *DB) ListClaws(ctx context.Context, tenant string) ([]claw.Claw, error) {
	return queryAll(ctx, db, "list claws", func(r rowScanner) (claw.Claw, error) {
		c, _, err := scanClaw(r)
		return c, err
	}, `SELECT `+clawColumns+clawFrom+` WHERE c.tenant_id = ? ORDER BY c.name`, tenant)
}

// DeleteClaw removes a claw and everything it owns.
func (db *DB) DeleteClaw(ctx context.Context, ref claw.Ref) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `DELETE FROM claws WHERE tenant_id = ? AND name = ?`, ref.Tenant, ref.Name)
		if err != nil {
			return fmt.Errorf("delete claw: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
		}
		for _, q := range []string{
			`DELETE FROM claw_versions WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM steps WHERE run_id IN (SELECT id FROM runs WHERE tenant_id = ? AND claw = ?)`,
			`DELETE FROM runs WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM events WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM messages WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM outbox WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM approvals WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM session_summaries WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM memories WHERE tenant_id = ? AND claw = ?`,
			`DELETE FROM memory_files WHERE tenant_id = ? AND claw = ?`,
		} {
			if _, err := db.txExec(ctx, tx, q, ref.Tenant, ref.Name); err != nil {
				return fmt.Errorf("delete claw data: %w", err)
			}
		}
		if err := db.deleteClawSchedules(ctx, tx, ref.Tenant, ref.Name); err != nil {
			return err
		}
		return nil
	})
}

// ClawVersions lists a claw's versions, oldest first.
func (db *DB) ClawVersions(ctx context.Context, ref claw.Ref) ([]claw.Version, error) {
	out, err := queryAll(ctx, db, "list versions", scanVersion,
		`SELECT version, spec, created_at FROM claw_versions WHERE tenant_id = ? AND claw = ? ORDER BY version`, ref.Tenant, ref.Name)
	if err == nil && len(out) == 0 {
		return nil, claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
	}
	return out, err
}

func scanVersion(r rowScanner) (claw.Version, error) {
	var v claw.Version
	var spec string
	var created int64
	if err := r.Scan(&v.Version, &spec, &created); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(spec), &v.Spec); err != nil {
		return v, fmt.Errorf("decode spec v%d: %w", v.Version, err)
	}
	v.CreatedAt = fromMicros(created)
	return v, nil
}

// SetClawState records a claw's supervision state.
func (db *DB) SetClawState(ctx context.Context, ref claw.Ref, st store.StateUpdate) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE claws SET state = ?, last_error = ?,
			restarts = CASE WHEN ? < 0 THEN restarts ELSE ? END WHERE tenant_id = ? AND name = ?`,
			st.State, st.LastError, st.Restarts, st.Restarts, ref.Tenant, ref.Name)
		if err != nil {
			return fmt.Errorf("set claw state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
		}
		return nil
	})
}

// WorkspaceClaws lists the claws, across tenants, whose current spec
// names a workspace. The LIKE only narrows the rows to decode (canonical
// specs carry the key only when it is set); the decoded spec decides.
func (db *DB) WorkspaceClaws(ctx context.Context) ([]claw.Claw, error) {
	all, err := queryAll(ctx, db, "list workspace claws", func(r rowScanner) (claw.Claw, error) {
		c, _, err := scanClaw(r)
		return c, err
	}, `SELECT `+clawColumns+clawFrom+` WHERE v.spec LIKE '%"workspace"%' ORDER BY c.tenant_id, c.name`)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Spec.Workspace != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// CountClaws counts every claw of every tenant.
func (db *DB) CountClaws(ctx context.Context) (int, error) {
	var n int
	if err := db.readRow(ctx, `SELECT count(*) FROM claws`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count claws: %w", err)
	}
	return n, nil
}
