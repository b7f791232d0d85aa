package store

import (
	"context"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Approvals stores the tool calls that wait for an operator's approval.
type Approvals interface {
	// RequestApproval records a tool call waiting for approval and sets its
	// run's status to awaiting_approval, in one transaction. A repeated
	// request for the same run and tool call returns the stored approval.
	RequestApproval(ctx context.Context, tenant string, a claw.Approval) (claw.Approval, error)
	// GetApproval returns the approval of one tool call of a run
	// (ENOTFOUND).
	GetApproval(ctx context.Context, tenant string, runID int64, toolCallID string) (claw.Approval, error)
	// ListApprovals returns the approvals f selects, newest first.
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]claw.Approval, error)
	// DecideApproval approves or denies a run's pending approval, sets the
	// run back to running and appends an audit record, in one transaction
	// (ENOTFOUND when the run has no pending approval).
	DecideApproval(ctx context.Context, tenant string, runID int64, d ApprovalDecision) (claw.Approval, error)
	// ExpireApprovals denies, as DecideApproval would, every pending
	// approval of every tenant that expired at now, and returns them.
	ExpireApprovals(ctx context.Context, now time.Time) ([]claw.Approval, error)
	// NextApprovalExpiry returns when the earliest pending approval
	// expires; ok is false when none is pending.
	NextApprovalExpiry(ctx context.Context) (at time.Time, ok bool, err error)
}

// ApprovalFilter selects approvals of one tenant.
type ApprovalFilter struct {
	// Ref is the claw whose approvals are listed; an empty Ref.Name lists
	// those of every claw of Ref.Tenant.
	Ref claw.Ref
	// PendingOnly keeps only the approvals not yet decided.
	PendingOnly bool
}

// ApprovalDecision is an operator's (or the timeout's) answer to an
// approval request.
type ApprovalDecision struct {
	Approve bool
	Reason  string // why it was denied; given to the model
	By      string // who decided: a token name, or "timeout"
}
