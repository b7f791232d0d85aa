package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Supervision stores claws' supervision states and the audit log of what
// operators and the supervisor did to them.
type Supervision interface {
	// SetClawState records a claw's supervision state.
	SetClawState(ctx context.Context, ref claw.Ref, st StateUpdate) error
	// ChangeClawState sets a claw's state when its stored state is one of
	// from (any state when from is empty) and appends rec to the audit log
	// in the same transaction; it returns the updated claw (ENOTFOUND;
	// ECONFLICT when the stored state is not one of from).
	ChangeClawState(ctx context.Context, ref claw.Ref, from []claw.State, st StateUpdate, rec claw.AuditRecord) (claw.Claw, error)
	// AppendAudit appends a record to the audit log; a zero Time is now.
	AppendAudit(ctx context.Context, rec claw.AuditRecord) error
	// ListAudit returns ref.Tenant's audit records, newest first: of the
	// claw ref names, or of all its claws when ref.Name is empty; limit > 0
	// keeps the newest limit.
	ListAudit(ctx context.Context, ref claw.Ref, limit int) ([]claw.AuditRecord, error)
}

// StateUpdate sets a claw's supervision state. Restarts < 0 leaves the
// restart count as it is.
type StateUpdate struct {
	State     claw.State
	LastError string
	Restarts  int
}
