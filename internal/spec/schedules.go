package spec

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
)

// Bounds of scheduling keys.
const (
	MaxSpecSchedules = 100  // schedules in one spec
	MaxMaxSchedules  = 1000 // max_schedules
	MaxRetries       = 10   // schedules[].retries
	MaxPrompt        = 64 << 10
)

var scheduleNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$`)

// validateSchedules checks schedules, heartbeat and max_schedules.
func validateSchedules(s claw.Spec) []Problem {
	var ps []Problem
	if len(s.Schedules) > MaxSpecSchedules {
		ps = append(ps, problemf("schedules", "at most %d schedules, got %d", MaxSpecSchedules, len(s.Schedules)))
	}
	seen := map[string]int{}
	for i, sc := range s.Schedules {
		path := fmt.Sprintf("schedules[%d]", i)
		switch first, dup := seen[sc.Name]; {
		case sc.Name == "":
			ps = append(ps, problemf(path+".name", "is required"))
		case !scheduleNameRE.MatchString(sc.Name):
			ps = append(ps, problemf(path+".name", "must be 1 to 63 lowercase letters, digits, '-' or '_' (%s), got %s", scheduleNameRE, quoteShort(sc.Name)))
		case sc.Name == claw.HeartbeatName || strings.HasPrefix(sc.Name, "self-"):
			ps = append(ps, problemf(path+".name", "%q is reserved (the heartbeat and the claw's own schedules, self-...)", sc.Name))
		case dup:
			ps = append(ps, problemf(path+".name", "duplicate schedule %q (also schedules[%d])", sc.Name, first))
		default:
			seen[sc.Name] = i
		}
		if strings.TrimSpace(sc.Prompt) == "" {
			ps = append(ps, problemf(path+".prompt", "is required: the user turn the schedule starts its run with"))
		}
		ps = append(ps, checkSchedule(path, sc)...)
	}
	if hb := s.Heartbeat; hb != nil {
		def := schedule.FromSpec(claw.Spec{Heartbeat: hb})[0].Spec
		ps = append(ps, checkSchedule("heartbeat", def)...)
		if hb.Model != "" {
			if p, m, ok := strings.Cut(hb.Model, "/"); !ok || !ValidProviderName(p) || m == "" || strings.ContainsFunc(m, unicode.IsSpace) {
				ps = append(ps, problemf("heartbeat.model", "must be provider/model (such as \"openai/gpt-4o-mini\"), got %s", quoteShort(hb.Model)))
			}
		}
		if hb.IdleAfter < 0 {
			ps = append(ps, problemf("heartbeat.idle_after", "must not be negative, got %s", hb.IdleAfter.Std()))
		}
	}
	if s.MaxSchedules < 0 || s.MaxSchedules > MaxMaxSchedules {
		ps = append(ps, problemf("max_schedules", "must be between 0 and %d, got %d", MaxMaxSchedules, s.MaxSchedules))
	}
	return ps
}

// checkSchedule checks the timing keys of one schedule at path.
func checkSchedule(path string, sc claw.ScheduleSpec) []Problem {
	var ps []Problem
	if len(sc.Prompt) > MaxPrompt {
		ps = append(ps, problemf(path+".prompt", "must be at most 64 KiB, got %d bytes", len(sc.Prompt)))
	}
	if sc.Session != "" && !SessionOK(sc.Session) {
		ps = append(ps, problemf(path+".session", "must be 1 to 128 printable ASCII characters without spaces, got %s", quoteShort(sc.Session)))
	}
	if r := sc.Retries; r != nil && (*r < 0 || *r > MaxRetries) {
		ps = append(ps, problemf(path+".retries", "must be between 0 and %d, got %d", MaxRetries, *r))
	}
	if _, err := schedule.Compile(sc); err != nil {
		ps = append(ps, problemf(path, "%v", err))
	}
	return ps
}

// SessionOK reports whether s can name a session: 1 to 128 printable
// ASCII characters without spaces.
func SessionOK(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
