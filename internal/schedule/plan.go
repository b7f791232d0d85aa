package schedule

import (
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Grace is how late a fire may be and still count as on time rather than
// missed (a node busy or just restarted).
const Grace = time.Minute

// MaxCatchup caps the fires of catchup "all".
const MaxCatchup = 100

// Plan is what a schedule does when its stored next fire is due.
type Plan struct {
	Fires   []time.Time // fire times to enqueue now, oldest first
	Skipped int         // due fire times not fired (catchup)
	Next    time.Time   // the next fire after now; zero: none
}

// Plan returns what to fire at now for a schedule whose stored next fire
// is due (due <= now), under a catchup policy. The latest due time, when
// at most Grace late, is on time and always fires; earlier ones were
// missed: skip drops them, once folds them into one fire (the latest),
// all fires each, up to MaxCatchup.
func (r Rule) Plan(due, now time.Time, catchup string) Plan {
	var times []time.Time
	total := 0
	t, ok := due, true
	if r.Every > 0 && r.Active == nil && now.Sub(due) > time.Duration(4*MaxCatchup)*r.Every {
		// A long downtime: jump over fire times that cannot matter.
		n := int64(now.Sub(due)/r.Every) - 2*MaxCatchup
		t = due.Add(time.Duration(n) * r.Every)
		total = int(n)
	}
	for ok && !t.After(now) {
		total++
		times = append(times, t)
		if len(times) > 2*MaxCatchup {
			times = times[len(times)-MaxCatchup-1:]
		}
		if total > 1_000_000 { // a dense cron down for long: resume from now
			t, ok = r.Next(now.Add(-time.Second))
			break
		}
		t, ok = r.Next(t)
	}
	p := Plan{}
	if ok {
		p.Next = t
	}
	if len(times) == 0 {
		return p
	}
	last := times[len(times)-1]
	onTime := now.Sub(last) <= Grace
	switch {
	case catchup == claw.CatchupAll:
		p.Fires = times[max(0, len(times)-MaxCatchup):]
	case onTime:
		p.Fires = []time.Time{last}
	case catchup == claw.CatchupSkip:
	default: // once
		p.Fires = []time.Time{last}
	}
	p.Fires = append([]time.Time(nil), p.Fires...)
	p.Skipped = total - len(p.Fires)
	return p
}

// RetryDelay is the wait before retry n (1-based) of a failed scheduled
// run: 10s, 20s, 40s, ... up to an hour.
func RetryDelay(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// FireKey is the idempotency key of a schedule's fire at a time: one
// event per (claw, schedule, fire time), across restarts and nodes.
func FireKey(name string, at time.Time) string {
	return "schedule/" + name + "/" + at.UTC().Format(time.RFC3339Nano)
}
