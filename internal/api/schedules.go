package api

import (
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// ScheduleView is a schedule as the API shows it.
type ScheduleView struct {
	Schedule
	Timing string      `json:"timing"` // e.g. "every 30m", "cron 0 9 * * * Europe/Lisbon"
	Next   []time.Time `json:"next"`   // the coming fires (none when paused or done)
	// Recent are the schedule's latest fires, newest first, with their
	// status (pending, completed, heartbeat_ok, retrying, retried, dead,
	// cancelled) and error (GET of one schedule only).
	Recent []ScheduleFire `json:"recent,omitempty"`
}

// Schedule is a stored schedule of a claw: its definition, next fire and
// last result.
type Schedule struct {
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

// ScheduleFire is one event fired by a schedule.
type ScheduleFire struct {
	EventID    int64      `json:"event_id"`
	Claw       string     `json:"claw"`
	Schedule   string     `json:"schedule"`
	FireAt     time.Time  `json:"fire_at"`
	Attempt    int        `json:"attempt"` // 1, then 2 for the first retry, ...
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	RetryAt    time.Time  `json:"retry_at,omitzero"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}
