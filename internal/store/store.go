// Package store is reef's storage seam: the Store interface every backend
// implements, and the types that cross it. The mailbox, runs, steps,
// sessions and outbox are reef's own tables. Backends live in store/sqlite
// and store/postgres; store/storetest is the conformance suite both pass.
//
// Every call that touches tenant data takes the tenant explicitly. Errors
// are *claw.Error with claw.ENOTFOUND when a named row does not exist and
// claw.ECONFLICT when a uniqueness rule forbids the write; anything else is
// an internal error that the caller must not ignore.
package store

import (
	"context"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Store is the whole persistence surface of a node.
type Store interface {
	// Close releases the store's connections. It is safe to call twice.
	Close() error

	// EnsureTenant creates the tenant if it does not exist.
	EnsureTenant(ctx context.Context, tenant string) error

	// CreateToken stores an API token by the SHA-256 hex of its secret.
	CreateToken(ctx context.Context, t Token) error
	// LookupToken finds a token by the hash of its secret (ENOTFOUND).
	LookupToken(ctx context.Context, hash string) (Token, error)
	// HasAdminToken reports whether any admin token exists.
	HasAdminToken(ctx context.Context) (bool, error)

	// ApplyClaw stores spec as the claw's next version when it differs from
	// the current one (compared by canonical bytes), creating the claw when
	// it is new. A changed spec also resets a crash-looping claw to idle.
	ApplyClaw(ctx context.Context, tenant string, spec claw.Spec, canonical []byte) (ApplyResult, error)
	// GetClaw returns a claw with its current spec (ENOTFOUND).
	GetClaw(ctx context.Context, tenant, name string) (claw.Claw, error)
	// ListClaws returns the tenant's claws ordered by name.
	ListClaws(ctx context.Context, tenant string) ([]claw.Claw, error)
	// DeleteClaw removes a claw with its versions, events, runs and
	// sessions (ENOTFOUND).
	DeleteClaw(ctx context.Context, tenant, name string) error
	// ClawVersions lists a claw's versions, oldest first (ENOTFOUND).
	ClawVersions(ctx context.Context, tenant, name string) ([]claw.Version, error)
	// SetClawState records a claw's supervision state.
	SetClawState(ctx context.Context, tenant, name string, st StateUpdate) error
	// WorkspaceClaws lists every claw of every tenant whose current spec
	// names a workspace, ordered by tenant and name (for the node's
	// workspace placement rules).
	WorkspaceClaws(ctx context.Context) ([]claw.Claw, error)
	// CountClaws counts all claws of all tenants.
	CountClaws(ctx context.Context) (int, error)

	// Enqueue writes an event into a claw's mailbox. A repeated idempotency
	// key returns the existing event with created=false (ENOTFOUND for an
	// unknown claw).
	Enqueue(ctx context.Context, tenant, name string, ev claw.NewEvent) (e claw.Event, created bool, err error)
	// GetEvent returns one event of a claw (ENOTFOUND).
	GetEvent(ctx context.Context, tenant, name string, id int64) (claw.Event, error)
	// NextEvent returns the claw's oldest unfinished event, marking it
	// running; ok is false when the mailbox is empty.
	NextEvent(ctx context.Context, tenant, name string) (e claw.Event, ok bool, err error)
	// PendingClaws lists every claw, across tenants, with unfinished events.
	PendingClaws(ctx context.Context) ([]claw.Ref, error)

	// BeginRun returns the run of an event, creating it on first call
	// (counting an attempt on every call) together with the user message
	// appended to the session; on a resumed run nothing is appended again.
	BeginRun(ctx context.Context, tenant string, ev claw.Event, specVersion int, user claw.Message) (claw.Run, error)
	// ClaimRun is NextEvent and BeginRun in one transaction: it claims the
	// claw's oldest unfinished event and creates its run, recording the
	// user message and step 1, a call to the spec's model, as started; or
	// it resumes the event's run, counting an attempt. ok is false when
	// the mailbox is empty.
	ClaimRun(ctx context.Context, tenant string, c claw.Claw) (ev claw.Event, run claw.Run, ok bool, err error)
	// RunSteps lists a run's steps in order.
	RunSteps(ctx context.Context, tenant string, runID int64) ([]claw.Step, error)
	// StartStep records a step as started before it happens; its Seq must be
	// the next one of the run (ECONFLICT otherwise).
	StartStep(ctx context.Context, tenant string, s claw.Step) error
	// FinishStep records a step's outcome and, in the same transaction,
	// appends the messages it produced to the session and adds its tokens
	// to the run.
	FinishStep(ctx context.Context, tenant string, s claw.Step, msgs []claw.Message) error
	// FinishRun ends a run and its event in one transaction: the reply and
	// status are set, the last step (when given) is finished with its
	// messages as FinishStep would, and an outbox entry is written for
	// each delivery.
	FinishRun(ctx context.Context, tenant string, f RunEnd) error
	// GetRun returns one run of a claw (ENOTFOUND).
	GetRun(ctx context.Context, tenant, name string, id int64) (claw.Run, error)
	// ListRuns returns a claw's most recent runs, newest first.
	ListRuns(ctx context.Context, tenant, name string, limit int) ([]claw.Run, error)

	// SessionMessages returns a session's transcript in order; limit > 0
	// keeps only the newest messages.
	SessionMessages(ctx context.Context, tenant, name, session string, limit int) ([]claw.Message, error)

	// ClaimOutbox returns up to limit outbox entries due at now, leasing
	// them until now+lease.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error)
	// NextOutboxAt returns when the earliest pending outbox entry is due
	// (a leased entry is due when its lease ends); ok is false when none
	// is pending.
	NextOutboxAt(ctx context.Context) (at time.Time, ok bool, err error)
	// SettleOutbox records a delivery attempt: delivered, retried at next,
	// or dead with its error.
	SettleOutbox(ctx context.Context, id int64, res OutboxResult) error

	// Supervision, audit and tool approvals.

	// ChangeClawState sets a claw's state when its stored state is one of
	// from (any state when from is empty) and appends rec to the audit log
	// in the same transaction; it returns the updated claw (ENOTFOUND;
	// ECONFLICT when the stored state is not one of from).
	ChangeClawState(ctx context.Context, tenant, name string, from []claw.State, st StateUpdate, rec claw.AuditRecord) (claw.Claw, error)
	// AppendAudit appends a record to the audit log; a zero Time is now.
	AppendAudit(ctx context.Context, rec claw.AuditRecord) error
	// ListAudit returns a tenant's audit records, newest first, of one
	// claw when name is not empty; limit > 0 keeps the newest limit.
	ListAudit(ctx context.Context, tenant, name string, limit int) ([]claw.AuditRecord, error)
	// RequestApproval records a tool call waiting for approval and sets its
	// run's status to awaiting_approval, in one transaction. A repeated
	// request for the same run and tool call returns the stored approval.
	RequestApproval(ctx context.Context, tenant string, a claw.Approval) (claw.Approval, error)
	// GetApproval returns the approval of one tool call of a run
	// (ENOTFOUND).
	GetApproval(ctx context.Context, tenant string, runID int64, toolCallID string) (claw.Approval, error)
	// ListApprovals returns a tenant's approvals, newest first: of one claw
	// when name is not empty, only pending ones when pendingOnly.
	ListApprovals(ctx context.Context, tenant, name string, pendingOnly bool) ([]claw.Approval, error)
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

	// Schedules. ApplyClaw keeps a claw's spec schedules (its
	// schedules and heartbeat) in step with each new version in the same
	// transaction: a new one gets its first fire, a changed one is
	// rescheduled, a removed one is deleted with its pending retries;
	// DeleteClaw deletes them all. FinishRun settles the fire of a
	// scheduled event: completed, retrying at a backoff, or dead.

	// CreateSchedule stores a schedule the claw made (origin "claw"):
	// ECONFLICT when its name is taken or the claw already has max
	// schedules of its own, ENOTFOUND for an unknown claw.
	CreateSchedule(ctx context.Context, tenant string, s Schedule, max int) (Schedule, error)
	// ListSchedules returns a claw's schedules ordered by name.
	ListSchedules(ctx context.Context, tenant, name string) ([]Schedule, error)
	// GetSchedule returns one schedule (ENOTFOUND).
	GetSchedule(ctx context.Context, tenant, name, schedule string) (Schedule, error)
	// DeleteSchedule removes a schedule and cancels its pending retries
	// (ENOTFOUND).
	DeleteSchedule(ctx context.Context, tenant, name, schedule string) error
	// SetSchedulePaused pauses or resumes a schedule; a non-zero next
	// replaces its next fire (ENOTFOUND).
	SetSchedulePaused(ctx context.Context, tenant, name, schedule string, paused bool, next time.Time) error
	// NextScheduleAt returns the earliest next fire of an unpaused
	// schedule or retry of a failed fire, across tenants; ok is false
	// when there is none.
	NextScheduleAt(ctx context.Context) (at time.Time, ok bool, err error)
	// DueSchedules returns up to limit unpaused schedules whose next fire
	// is at or before now, earliest first.
	DueSchedules(ctx context.Context, now time.Time, limit int) ([]Schedule, error)
	// DueRetries returns up to limit failed fires of unpaused schedules
	// whose retry is due at now, with their events' kind, session and text.
	DueRetries(ctx context.Context, now time.Time, limit int) ([]ScheduleFire, error)
	// FireSchedules applies firings in one transaction. Each enqueues its
	// events (a repeated idempotency key enqueues nothing), records a fire
	// per new event, marks the fires they retry as retried, and, when
	// Expect is set, moves the schedule's next fire from Expect to Next;
	// a firing whose schedule no longer has next fire Expect changes
	// nothing and is reported not applied.
	FireSchedules(ctx context.Context, fs []Firing) ([]FireResult, error)
	// ScheduleFires returns a schedule's most recent fires, newest first.
	ScheduleFires(ctx context.Context, tenant, name, schedule string, limit int) ([]ScheduleFire, error)
	// LastInbound returns when the claw's newest message event came in, or
	// when the claw was created if none did (ENOTFOUND).
	LastInbound(ctx context.Context, tenant, name string) (time.Time, error)

	// MCP server resources (docs/mcp.md).

	// Context and memory (docs/context.md).

	// SessionContext returns what a model request reads of a session: its
	// latest summary (zero when none) and the messages after it, in order.
	SessionContext(ctx context.Context, tenant, name, session string) (claw.Summary, []claw.Message, error)
	// SaveSummary stores a session summary and, when step is not nil,
	// finishes that compaction step in the same transaction.
	SaveSummary(ctx context.Context, tenant, name string, step *claw.Step, sum claw.Summary) (claw.Summary, error)
	// SessionSummaries lists a session's summaries and resets, oldest first.
	SessionSummaries(ctx context.Context, tenant, name, session string) ([]claw.Summary, error)
	// ListSessions lists a claw's sessions, most recently active first;
	// limit > 0 keeps the first limit (ENOTFOUND for an unknown claw).
	ListSessions(ctx context.Context, tenant, name string, limit int) ([]claw.SessionInfo, error)
	// ResetSession starts a fresh context for a session, keeping its
	// transcript: a summary with Reset set and no text (ENOTFOUND when the
	// session has no messages).
	ResetSession(ctx context.Context, tenant, name, session string) (claw.Summary, error)
	// WriteMemory stores a memory of a claw and returns it with its id.
	WriteMemory(ctx context.Context, tenant, name string, m claw.Memory) (claw.Memory, error)
	// SearchMemory returns up to limit of a claw's memories that match any
	// word of query, best ranked first (EINVALID when query has no word).
	SearchMemory(ctx context.Context, tenant, name, query string, limit int) ([]claw.Memory, error)
	// ListMemories returns up to limit of a claw's memories, written ones
	// and file chunks, newest first (ENOTFOUND for an unknown claw).
	ListMemories(ctx context.Context, tenant, name string, limit int) ([]claw.Memory, error)
	// GetMemory returns one memory of a claw (ENOTFOUND).
	GetMemory(ctx context.Context, tenant, name string, id int64) (claw.Memory, error)
	// ForgetMemory deletes a written memory (ENOTFOUND; EINVALID for a
	// chunk of a workspace file, which changes with its file).
	ForgetMemory(ctx context.Context, tenant, name string, id int64) error
	// SyncMemoryFiles makes the claw's file memories those of files: the
	// chunks of a file whose hash changed are replaced, those of a file not
	// listed are deleted.
	SyncMemoryFiles(ctx context.Context, tenant, name string, files []MemoryFile) error

	// Sandbox.

	// SandboxSlot returns the tenant's sandbox slot: a number unique to
	// the tenant, from 0 up, that gives its tools their own host uid. The
	// first call for a tenant allocates the lowest unused slot; later
	// calls, from any node, return the same one.
	SandboxSlot(ctx context.Context, tenant string) (int, error)
}

// ApprovalDecision is an operator's (or the timeout's) answer to an
// approval request.
type ApprovalDecision struct {
	Approve bool
	Reason  string // why it was denied; given to the model
	By      string // who decided: a token name, or "timeout"
}

// MemoryFile is a workspace memory file cut into chunks for the index.
type MemoryFile struct {
	Path   string // relative to the workspace, such as "memory/2026-01-02.md"
	Hash   string // of the content; an unchanged hash is not re-indexed
	Chunks []string
}

// Token is an API token. Admin tokens may act on every tenant.
type Token struct {
	Hash      string
	Tenant    string
	Admin     bool
	Name      string
	CreatedAt time.Time
}

// ApplyResult says what an apply did.
type ApplyResult struct {
	Claw     claw.Claw
	Created  bool
	Changed  bool      // false: the spec equals the current version
	Previous claw.Spec // the replaced spec when Changed && !Created
	Unparked bool      // the new version took the claw out of crashloop
}

// StateUpdate sets a claw's supervision state. Restarts < 0 leaves the
// restart count as it is.
type StateUpdate struct {
	State     claw.State
	LastError string
	Restarts  int
}

// RunEnd is how a run ended.
type RunEnd struct {
	RunID   int64
	EventID int64
	Status  claw.RunStatus // RunCompleted or RunFailed
	Reply   string
	Error   string
	Outbox  []OutboxEntry // deliveries of the reply

	Step     *claw.Step     // a step to finish in the same transaction
	Messages []claw.Message // the step's messages
}

// Outbox delivery states.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxDead      = "dead"
)

// OutboxEntry is one delivery of a reply to somewhere outside the node.
type OutboxEntry struct {
	ID       int64
	Tenant   string
	Claw     string
	EventID  int64
	Kind     string // e.g. "callback": POST the reply to Target
	Target   string
	Payload  []byte
	Status   string
	Attempts int
	LastErr  string
	NextAt   time.Time
}

// OutboxResult is the outcome of one delivery attempt.
type OutboxResult struct {
	Delivered bool
	Dead      bool
	Error     string
	NextAt    time.Time
}

// Schedule is a stored schedule of a claw: its definition, next fire and
// last result.
type Schedule struct {
	Tenant     string            `json:"-"`
	Claw       string            `json:"claw"`
	Name       string            `json:"name"`
	Origin     string            `json:"origin"` // "spec" or "claw"
	Kind       string            `json:"kind"`   // event kind: schedule or heartbeat
	Def        claw.ScheduleSpec `json:"def"`
	Paused     bool              `json:"paused"`
	NextFire   time.Time         `json:"next_fire,omitzero"` // zero: none
	Fires      int               `json:"fires"`              // events fired
	Skipped    int               `json:"skipped"`            // fire times not fired (catchup, idle heartbeat)
	LastFire   time.Time         `json:"last_fire,omitzero"`
	LastEvent  int64             `json:"last_event,omitempty"`
	LastStatus string            `json:"last_status,omitempty"` // the last fire's status
	LastError  string            `json:"last_error,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// Fire statuses.
const (
	FirePending     = "pending"      // its event waits or runs
	FireCompleted   = "completed"    // its run completed
	FireHeartbeatOK = "heartbeat_ok" // a heartbeat answered HEARTBEAT_OK: nothing delivered
	FireRetrying    = "retrying"     // its run failed; a retry is due at RetryAt
	FireRetried     = "retried"      // its run failed and a retry was fired
	FireDead        = "dead"         // its run failed after every retry
	FireCancelled   = "cancelled"    // its schedule was removed before the retry
)

// ScheduleFire is one event fired by a schedule.
type ScheduleFire struct {
	EventID    int64      `json:"event_id"`
	Tenant     string     `json:"-"`
	Claw       string     `json:"claw"`
	Schedule   string     `json:"schedule"`
	FireAt     time.Time  `json:"fire_at"`
	Attempt    int        `json:"attempt"` // 1, then 2 for the first retry, ...
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	RetryAt    time.Time  `json:"retry_at,omitzero"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`

	// The event's kind, session and text (set by DueRetries).
	Kind    string `json:"-"`
	Session string `json:"-"`
	Text    string `json:"-"`
}

// Firing is what one schedule fires at once.
type Firing struct {
	Tenant, Claw, Schedule string
	// Expect is the stored next fire this firing consumes; zero for a
	// manual trigger or a retry, which leave the next fire alone.
	Expect time.Time
	Next   time.Time // the new next fire; zero: none
	Events []FireEvent
	// Skipped counts fire times not fired; with no events, Status (such
	// as "skipped: idle") becomes the last status.
	Skipped int
	Status  string
}

// FireEvent is one event of a firing.
type FireEvent struct {
	At      time.Time // the fire time
	Attempt int       // 1 for a fire, n+1 for the retry of attempt n
	RetryOf int64     // the failed fire's event, for a retry
	Event   claw.NewEvent
}

// FireResult says what a firing did.
type FireResult struct {
	Applied bool         // false: Expect no longer matched
	Events  []claw.Event // the events it created
}
