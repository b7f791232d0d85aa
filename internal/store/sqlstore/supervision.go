package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// ChangeClawState sets a claw's state from an allowed one, with an audit
// record.
func (db *DB) ChangeClawState(ctx context.Context, ref claw.Ref, from []claw.State, st store.StateUpdate, rec claw.AuditRecord) (claw.Claw, error) {
	var c claw.Claw
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cur claw.State
		err := db.txRow(ctx, tx, `SELECT state FROM claws WHERE tenant_id = ? AND name = ?`, ref.Tenant, ref.Name).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return claw.Errorf(claw.ENOTFOUND, "claw %q not found", ref.Name)
		}
		if err != nil {
			return fmt.Errorf("read claw state: %w", err)
		}
		if len(from) > 0 && !slices.Contains(from, cur) {
			return claw.Errorf(claw.ECONFLICT, "claw %q is %s", ref.Name, cur)
		}
		if _, err := db.txExec(ctx, tx, `UPDATE claws SET state = ?, last_error = ?,
			restarts = CASE WHEN ? < 0 THEN restarts ELSE ? END WHERE tenant_id = ? AND name = ?`,
			st.State, st.LastError, st.Restarts, st.Restarts, ref.Tenant, ref.Name); err != nil {
			return fmt.Errorf("set claw state: %w", err)
		}
		rec.Tenant, rec.Claw = ref.Tenant, ref.Name
		if err := db.appendAudit(ctx, tx, rec); err != nil {
			return err
		}
		c, _, err = scanClaw(db.txRow(ctx, tx, `SELECT `+clawColumns+clawFrom+` WHERE c.tenant_id = ? AND c.name = ?`, ref.Tenant, ref.Name))
		if err != nil {
			return fmt.Errorf("read claw: %w", err)
		}
		return nil
	})
	return c, err
}

// AppendAudit appends an audit record.
func (db *DB) AppendAudit(ctx context.Context, rec claw.AuditRecord) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return db.appendAudit(ctx, tx, rec)
	})
}

func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, rec claw.AuditRecord) error {
	if rec.Time.IsZero() {
		rec.Time = db.now()
	}
	if _, err := db.txExec(ctx, tx, `INSERT INTO audit (tenant_id, claw, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.Tenant, rec.Claw, micros(rec.Time), rec.Actor, rec.Action, rec.Detail); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// ListAudit lists audit records, newest first.
func (db *DB) ListAudit(ctx context.Context, ref claw.Ref, limit int) ([]claw.AuditRecord, error) {
	if limit <= 0 {
		limit = -1
	}
	scan := func(r rowScanner) (claw.AuditRecord, error) {
		var a claw.AuditRecord
		var at int64
		err := r.Scan(&a.ID, &a.Tenant, &a.Claw, &at, &a.Actor, &a.Action, &a.Detail)
		a.Time = fromMicros(at)
		return a, err
	}
	const cols = `SELECT id, tenant_id, claw, at, actor, action, detail FROM audit WHERE tenant_id = ?`
	if limit < 0 {
		limit = 1 << 30
	}
	if ref.Name != "" {
		return queryAll(ctx, db, "list audit", scan, cols+` AND claw = ? ORDER BY id DESC LIMIT ?`, ref.Tenant, ref.Name, limit)
	}
	return queryAll(ctx, db, "list audit", scan, cols+` ORDER BY id DESC LIMIT ?`, ref.Tenant, limit)
}

const approvalColumns = `id, tenant_id, claw, run_id, event_id, tool_call_id, tool, arguments, status, reason, decided_by, created_at, expires_at, decided_at`

func scanApproval(r rowScanner) (claw.Approval, error) {
	var a claw.Approval
	var args string
	var created, expires, decided int64
	if err := r.Scan(&a.ID, &a.Tenant, &a.Claw, &a.RunID, &a.EventID, &a.ToolCallID, &a.Tool, &args, &a.Status, &a.Reason, &a.DecidedBy,
		&created, &expires, &decided); err != nil {
		return a, err
	}
	a.Arguments = []byte(args)
	a.CreatedAt, a.ExpiresAt, a.DecidedAt = fromMicros(created), fromMicros(expires), fromMicrosPtr(decided)
	return a, nil
}

// RequestApproval records a tool call waiting for approval.
func (db *DB) RequestApproval(ctx context.Context, tenant string, a claw.Approval) (claw.Approval, error) {
	var out claw.Approval
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, err = scanApproval(db.txRow(ctx, tx, `SELECT `+approvalColumns+` FROM approvals WHERE tenant_id = ? AND run_id = ? AND tool_call_id = ?`,
			tenant, a.RunID, a.ToolCallID))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read approval: %w", err)
		}
		res, err := db.txExec(ctx, tx, `UPDATE runs SET status = ? WHERE tenant_id = ? AND id = ? AND status = ?`,
			claw.RunAwaitingApproval, tenant, a.RunID, claw.RunRunning)
		if err != nil {
			return fmt.Errorf("mark run awaiting approval: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claw.Errorf(claw.ECONFLICT, "run %d is not running", a.RunID)
		}
		args := string(a.Arguments)
		if args == "" {
			args = "{}"
		}
		out, err = scanApproval(db.txRow(ctx, tx, `INSERT INTO approvals (tenant_id, claw, run_id, event_id, tool_call_id, tool, arguments, status, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+approvalColumns,
			tenant, a.Claw, a.RunID, a.EventID, a.ToolCallID, a.Tool, args, claw.ApprovalPending, micros(db.now()), micros(a.ExpiresAt)))
		if err != nil {
			return fmt.Errorf("insert approval: %w", err)
		}
		return db.appendAudit(ctx, tx, claw.AuditRecord{Tenant: tenant, Claw: a.Claw, Actor: "supervisor", Action: "approval_requested",
			Detail: fmt.Sprintf("run %d: tool %s (call %s) awaits approval until %s", a.RunID, a.Tool, a.ToolCallID, a.ExpiresAt.UTC().Format(time.RFC3339))})
	})
	return out, err
}

// GetApproval returns one approval.
func (db *DB) GetApproval(ctx context.Context, tenant string, runID int64, toolCallID string) (claw.Approval, error) {
	a, err := scanApproval(db.readRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE tenant_id = ? AND run_id = ? AND tool_call_id = ?`, tenant, runID, toolCallID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, claw.Errorf(claw.ENOTFOUND, "run %d has no approval for tool call %s", runID, toolCallID)
	}
	if err != nil {
		return a, fmt.Errorf("get approval: %w", err)
	}
	return a, nil
}

// ListApprovals lists approvals, newest first.
func (db *DB) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]claw.Approval, error) {
	q := `SELECT ` + approvalColumns + ` FROM approvals WHERE tenant_id = ?`
	args := []any{f.Ref.Tenant}
	if f.Ref.Name != "" {
		q += ` AND claw = ?`
		args = append(args, f.Ref.Name)
	}
	if f.PendingOnly {
		q += ` AND status = ?`
		args = append(args, claw.ApprovalPending)
	}
	return queryAll(ctx, db, "list approvals", scanApproval, q+` ORDER BY id DESC LIMIT 1000`, args...)
}

// DecideApproval approves or denies a run's pending approval.
func (db *DB) DecideApproval(ctx context.Context, tenant string, runID int64, d store.ApprovalDecision) (claw.Approval, error) {
	var out claw.Approval
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		a, err := scanApproval(db.txRow(ctx, tx, `SELECT `+approvalColumns+` FROM approvals WHERE tenant_id = ? AND run_id = ? AND status = ?`,
			tenant, runID, claw.ApprovalPending))
		if errors.Is(err, sql.ErrNoRows) {
			return claw.Errorf(claw.ENOTFOUND, "run %d has no pending approval", runID)
		}
		if err != nil {
			return fmt.Errorf("read approval: %w", err)
		}
		out, err = db.decide(ctx, tx, a, d)
		return err
	})
	return out, err
}

func (db *DB) decide(ctx context.Context, tx *sql.Tx, a claw.Approval, d store.ApprovalDecision) (claw.Approval, error) {
	now := db.now()
	a.Status, a.Reason, a.DecidedBy = claw.ApprovalDenied, d.Reason, d.By
	action := "deny"
	if d.Approve {
		a.Status, a.Reason, action = claw.ApprovalApproved, "", "approve"
	}
	a.DecidedAt = fromMicrosPtr(micros(now))
	if _, err := db.txExec(ctx, tx, `UPDATE approvals SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
		a.Status, a.Reason, a.DecidedBy, micros(now), a.ID); err != nil {
		return a, fmt.Errorf("decide approval: %w", err)
	}
	if _, err := db.txExec(ctx, tx, `UPDATE runs SET status = ? WHERE id = ? AND status = ?`, claw.RunRunning, a.RunID, claw.RunAwaitingApproval); err != nil {
		return a, fmt.Errorf("resume run: %w", err)
	}
	detail := fmt.Sprintf("run %d: tool %s (call %s)", a.RunID, a.Tool, a.ToolCallID)
	if a.Reason != "" {
		detail += ": " + a.Reason
	}
	return a, db.appendAudit(ctx, tx, claw.AuditRecord{Tenant: a.Tenant, Claw: a.Claw, Time: now, Actor: d.By, Action: action, Detail: detail})
}

// ExpireApprovals denies every expired pending approval.
func (db *DB) ExpireApprovals(ctx context.Context, now time.Time) ([]claw.Approval, error) {
	var out []claw.Approval
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		rows, err := db.txQuery(ctx, tx, `SELECT `+approvalColumns+` FROM approvals WHERE status = ? AND expires_at <= ? ORDER BY expires_at, id LIMIT 1000`,
			claw.ApprovalPending, micros(now))
		if err != nil {
			return fmt.Errorf("expired approvals: %w", err)
		}
		var due []claw.Approval
		for rows.Next() {
			a, err := scanApproval(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("expired approvals: %w", err)
			}
			due = append(due, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("expired approvals: %w", err)
		}
		for _, a := range due {
			d := store.ApprovalDecision{Reason: fmt.Sprintf("no decision before the approval timeout (%s)", a.ExpiresAt.Sub(a.CreatedAt).Round(time.Second)), By: "timeout"}
			a, err := db.decide(ctx, tx, a, d)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// NextApprovalExpiry returns the earliest pending expiry.
func (db *DB) NextApprovalExpiry(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := db.readRow(ctx, `SELECT min(expires_at) FROM approvals WHERE status = ?`, claw.ApprovalPending).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next approval expiry: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(at.Int64), true, nil
}

// claimable reports whether a claimed event may run now: not while its run
// awaits an approval.
func (db *DB) claimable(ctx context.Context, tx *sql.Tx, ev claw.Event) (bool, error) {
	if ev.RunID == 0 {
		return true, nil
	}
	var st claw.RunStatus
	if err := db.txRow(ctx, tx, `SELECT status FROM runs WHERE id = ?`, ev.RunID).Scan(&st); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read run status: %w", err)
	}
	return st != claw.RunAwaitingApproval, nil
}
