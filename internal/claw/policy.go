package claw

import (
	"encoding/json"
	"slices"
	"time"
)

// Supervision is a spec's restart policy: more than MaxRestarts crashes
// within Within park the claw in crashloop; a run that records no step
// progress for WedgeTimeout is cancelled and counted as a crash.
type Supervision struct {
	MaxRestarts  int      `json:"max_restarts,omitempty"`
	Within       Duration `json:"within,omitzero"`
	WedgeTimeout Duration `json:"wedge_timeout,omitzero"`
}

// Supervision and tool policy defaults.
const (
	DefaultMaxRestarts     = 5
	DefaultWithin          = time.Minute
	DefaultWedgeTimeout    = 5 * time.Minute
	DefaultToolTimeout     = 2 * time.Minute
	DefaultApprovalTimeout = time.Hour
)

// WithDefaults returns the policy with every unset field given its default.
func (s Supervision) WithDefaults() Supervision {
	if s.MaxRestarts == 0 {
		s.MaxRestarts = DefaultMaxRestarts
	}
	if s.Within == 0 {
		s.Within = Duration(DefaultWithin)
	}
	if s.WedgeTimeout == 0 {
		s.WedgeTimeout = Duration(DefaultWedgeTimeout)
	}
	return s
}

// TimeoutFor returns how long a call of the named tool may take.
func (s Spec) TimeoutFor(tool string) time.Duration {
	if d, ok := s.ToolTimeouts[tool]; ok && d > 0 {
		return d.Std()
	}
	if s.ToolTimeout > 0 {
		return s.ToolTimeout.Std()
	}
	return DefaultToolTimeout
}

// NeedsApproval reports whether calls of the named tool wait for approval.
func (s Spec) NeedsApproval(tool string) bool { return slices.Contains(s.Approval, tool) }

// ApprovalWait returns how long a call waits for approval before it is
// denied.
func (s Spec) ApprovalWait() time.Duration {
	if s.ApprovalTimeout > 0 {
		return s.ApprovalTimeout.Std()
	}
	return DefaultApprovalTimeout
}

// StateAwaitingApproval is shown for a claw whose current run waits for an
// operator's decision on a tool call. It is derived from the pending
// approval, never stored as the claw's state.
const StateAwaitingApproval State = "awaiting_approval"

// RunAwaitingApproval is the status of a run stopped before a tool call
// that needs approval.
const RunAwaitingApproval RunStatus = "awaiting_approval"

// ApprovalStatus is where an approval request is.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalDenied   ApprovalStatus = "denied"
)

// Approval is a tool call waiting for (or given) an operator's decision.
type Approval struct {
	ID         int64           `json:"id"`
	Tenant     string          `json:"tenant"`
	Claw       string          `json:"claw"`
	RunID      int64           `json:"run_id"`
	EventID    int64           `json:"event_id"`
	ToolCallID string          `json:"tool_call_id"`
	Tool       string          `json:"tool"`
	Arguments  json.RawMessage `json:"arguments"`
	Status     ApprovalStatus  `json:"status"`
	Reason     string          `json:"reason,omitempty"`     // why it was denied
	DecidedBy  string          `json:"decided_by,omitempty"` // a token name, or "timeout"
	CreatedAt  time.Time       `json:"created_at"`
	ExpiresAt  time.Time       `json:"expires_at"`
	DecidedAt  *time.Time      `json:"decided_at,omitempty"`
}

// AuditRecord is one entry of the audit log: a supervision transition or
// an operator's action on a claw.
type AuditRecord struct {
	ID     int64     `json:"id"`
	Tenant string    `json:"tenant"`
	Claw   string    `json:"claw"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`  // "supervisor", "timeout", or the API token's name
	Action string    `json:"action"` // e.g. crash, crashloop, pause, resume, restart, approve, deny
	Detail string    `json:"detail,omitempty"`
}
