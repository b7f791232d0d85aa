package store

import (
	"context"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Schedules stores claws' schedules and the events they fired. ApplyClaw
// keeps a claw's spec schedules in step with its spec, DeleteClaw deletes
// them all, and FinishRun settles the fire of a scheduled event.
type Schedules interface {
	// CreateSchedule stores a schedule the claw made (origin "claw"):
	// ECONFLICT when its name is taken or the claw already has max
	// schedules of its own, ENOTFOUND for an unknown claw.
	CreateSchedule(ctx context.Context, tenant string, s Schedule, max int) (Schedule, error)
	// ListSchedules returns a claw's schedules ordered by name.
	ListSchedules(ctx context.Context, ref claw.Ref) ([]Schedule, error)
	// GetSchedule returns one schedule of a claw (ENOTFOUND).
	GetSchedule(ctx context.Context, ref claw.Ref, schedule string) (Schedule, error)
	// DeleteSchedule removes a schedule of a claw and cancels its pending
	// retries (ENOTFOUND).
	DeleteSchedule(ctx context.Context, ref claw.Ref, schedule string) error
	// SetSchedulePaused pauses or resumes a schedule; a non-zero p.Next
	// replaces its next fire (ENOTFOUND).
	SetSchedulePaused(ctx context.Context, p SchedulePause) error
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
	ScheduleFires(ctx context.Context, ref claw.Ref, schedule string, limit int) ([]ScheduleFire, error)
}

// SchedulePause pauses or resumes one schedule of a claw.
type SchedulePause struct {
	Ref      claw.Ref
	Schedule string
	Paused   bool
	Next     time.Time // the new next fire; zero keeps the stored one
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
