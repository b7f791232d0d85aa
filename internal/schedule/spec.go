package schedule

import (
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Origins of a schedule.
const (
	OriginSpec = "spec" // the spec's schedules and heartbeat
	OriginClaw = "claw" // made by the claw with the schedule tool
)

// Def is one schedule a spec defines, with the kind of event it fires.
type Def struct {
	Kind string // claw.KindSchedule or claw.KindHeartbeat
	Spec claw.ScheduleSpec
}

// FromSpec returns the schedules a claw's spec defines: its schedules and
// its heartbeat, an every schedule named "heartbeat" whose missed beats are
// skipped and whose failures are not retried (the next beat is the retry).
func FromSpec(s claw.Spec) []Def {
	out := make([]Def, 0, len(s.Schedules)+1)
	for _, sc := range s.Schedules {
		out = append(out, Def{Kind: claw.KindSchedule, Spec: sc})
	}
	if hb := s.Heartbeat; hb != nil {
		every := hb.Every
		if every == 0 {
			every = claw.Duration(claw.DefaultHeartbeat)
		}
		zero := 0
		out = append(out, Def{Kind: claw.KindHeartbeat, Spec: claw.ScheduleSpec{
			Name: claw.HeartbeatName, Every: every, Prompt: hb.Prompt, Session: hb.Session,
			Timezone: hb.Timezone, ActiveHours: hb.ActiveHours, Catchup: claw.CatchupSkip, Retries: &zero,
		}})
	}
	return out
}

// IdleAfter is how long without an inbound message stops a heartbeat.
func IdleAfter(hb *claw.Heartbeat) time.Duration {
	if hb == nil || hb.IdleAfter == 0 {
		return claw.DefaultIdleAfter
	}
	return hb.IdleAfter.Std()
}

// Describe says when a schedule fires, e.g. "every 30m" or "cron 0 9 * * * Europe/Lisbon".
func Describe(d claw.ScheduleSpec) string {
	var s string
	switch {
	case d.Cron != "":
		s = "cron " + d.Cron
	case d.Every != 0:
		s = "every " + d.Every.Std().String()
	default:
		s = "at " + d.At
	}
	if d.Timezone != "" {
		s += " " + d.Timezone
	}
	if d.ActiveHours != "" {
		s += " within " + d.ActiveHours
	}
	return s
}
