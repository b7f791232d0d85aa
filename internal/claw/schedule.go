package claw

import "time"

// Event kinds of scheduled work.
const (
	KindSchedule  = "schedule"  // a firing of a schedule (spec or claw-made)
	KindHeartbeat = "heartbeat" // a firing of the spec's heartbeat
)

// HeartbeatOK is the reply with which a heartbeat says nothing needs
// attention: it is recorded but delivered nowhere.
const HeartbeatOK = "HEARTBEAT_OK"

// Scheduling defaults.
const (
	DefaultMaxSchedules = 50               // claw-made schedules per claw
	DefaultRetries      = 3                // retries of a failed scheduled run
	DefaultHeartbeat    = 30 * time.Minute // heartbeat.every
	DefaultIdleAfter    = 7 * 24 * time.Hour
)

// Catchup policies: what a schedule fires for times missed while the node
// was down.
const (
	CatchupSkip = "skip" // nothing
	CatchupOnce = "once" // one fire for all the missed times (default)
	CatchupAll  = "all"  // every missed time, at most 100
)

// ScheduleSpec is one entry of a spec's schedules, and the stored form of
// every schedule (a claw-made one has At or Every or Cron set the same
// way). Exactly one of Cron, Every and At is set.
type ScheduleSpec struct {
	Name string `json:"name"`
	// Cron is a 5-field (6 with seconds first) cron expression or a macro
	// such as @hourly, in Timezone.
	Cron string `json:"cron,omitempty"`
	// Every fires at this interval (at least 1s) from when the schedule
	// was made.
	Every Duration `json:"every,omitzero"`
	// At fires once at this RFC 3339 time.
	At       string `json:"at,omitempty"`
	Timezone string `json:"timezone,omitempty"` // IANA name; default UTC
	// Prompt is the user turn the schedule's run starts with.
	Prompt  string `json:"prompt"`
	Session string `json:"session,omitempty"` // default "main"
	Catchup string `json:"catchup,omitempty"` // skip | once | all (default once)
	// Retries of a failed run of this schedule, with exponential backoff
	// (default 3; 0 turns retries off).
	Retries *int `json:"retries,omitempty"`
	// ActiveHours, "HH:MM-HH:MM" in Timezone, limits fires to that window
	// of the day; a fire outside it moves to the window's next start.
	ActiveHours string `json:"active_hours,omitempty"`
}

// RetryLimit is the number of retries of a failed run.
func (s ScheduleSpec) RetryLimit() int {
	if s.Retries == nil {
		return DefaultRetries
	}
	return *s.Retries
}

// Heartbeat makes a claw wake up on its own at an interval.
type Heartbeat struct {
	Every Duration `json:"every,omitzero"` // default 30m
	// Prompt defaults to the workspace's HEARTBEAT.md when present.
	Prompt      string `json:"prompt,omitempty"`
	ActiveHours string `json:"active_hours,omitempty"` // "08:00-22:00" in Timezone
	Timezone    string `json:"timezone,omitempty"`     // IANA name; default UTC
	// Model, "provider/model", lets heartbeats use a cheaper model than
	// the spec's.
	Model string `json:"model,omitempty"`
	// IdleAfter stops heartbeats when no message came in for this long;
	// the next message resumes them (default 7 days).
	IdleAfter Duration `json:"idle_after,omitzero"`
	Session   string   `json:"session,omitempty"` // default "main"
}

// HeartbeatName is the name of the heartbeat among a claw's schedules.
const HeartbeatName = "heartbeat"

// ModelFor returns the model that runs an event of the given kind: the
// heartbeat's model for heartbeats when set, else the spec's model.
func (s Spec) ModelFor(kind string) string {
	if kind == KindHeartbeat && s.Heartbeat != nil && s.Heartbeat.Model != "" {
		return s.Heartbeat.Model
	}
	return s.Model
}
