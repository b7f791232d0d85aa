package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// MinEvery is the shortest every interval.
const MinEvery = time.Second

// Rule is a compiled schedule: when it fires.
type Rule struct {
	Cron   *Cron
	Every  time.Duration
	At     time.Time // a one-shot
	Loc    *time.Location
	Active *Window // nil: any time of day
}

// Compile checks a schedule's definition and compiles it.
func Compile(s claw.ScheduleSpec) (Rule, error) {
	r := Rule{Loc: time.UTC}
	if s.Timezone != "" {
		loc, err := LoadLocation(s.Timezone)
		if err != nil {
			return Rule{}, err
		}
		r.Loc = loc
	}
	n := 0
	if s.Cron != "" {
		n++
		c, err := ParseCron(s.Cron)
		if err != nil {
			return Rule{}, err
		}
		if _, ok := c.Next(time.Now(), r.Loc); !ok {
			return Rule{}, fmt.Errorf("cron expression %q never fires", s.Cron)
		}
		r.Cron = c
	}
	if s.Every != 0 {
		n++
		if s.Every.Std() < MinEvery {
			return Rule{}, fmt.Errorf("every must be at least %s, got %s", MinEvery, s.Every.Std())
		}
		r.Every = s.Every.Std()
	}
	if s.At != "" {
		n++
		at, err := time.Parse(time.RFC3339, s.At)
		if err != nil {
			return Rule{}, fmt.Errorf("at must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", s.At)
		}
		r.At = at
	}
	if n != 1 {
		return Rule{}, fmt.Errorf("a schedule needs exactly one of cron, every and at (got %d)", n)
	}
	if s.ActiveHours != "" {
		w, err := ParseWindow(s.ActiveHours)
		if err != nil {
			return Rule{}, err
		}
		r.Active = &w
	}
	switch s.Catchup {
	case "", claw.CatchupSkip, claw.CatchupOnce, claw.CatchupAll:
	default:
		return Rule{}, fmt.Errorf("catchup must be skip, once or all, got %q", s.Catchup)
	}
	return r, nil
}

// LoadLocation loads an IANA time zone; "Local" is refused, since a
// schedule must not depend on the host's zone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "Local" || name == "" {
		return nil, fmt.Errorf("timezone must be an IANA name such as Europe/Lisbon, got %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown timezone %q (an IANA name such as Europe/Lisbon)", name)
	}
	return loc, nil
}

// OneShot reports whether the rule fires once.
func (r Rule) OneShot() bool { return !r.At.IsZero() }

// First returns the first fire of a schedule made at now: an every rule
// fires one interval later, a one-shot at its time (even a past one, for
// catchup to judge), a cron at its next match.
func (r Rule) First(now time.Time) (time.Time, bool) {
	switch {
	case r.OneShot():
		return r.At, true
	case r.Every > 0:
		return r.active(now.Add(r.Every)), true
	default:
		return r.cron(now)
	}
}

// Next returns the fire after the one at prev; ok is false when there is
// none (a one-shot).
func (r Rule) Next(prev time.Time) (time.Time, bool) {
	switch {
	case r.OneShot():
		return time.Time{}, false
	case r.Every > 0:
		return r.active(prev.Add(r.Every)), true
	default:
		return r.cron(prev)
	}
}

func (r Rule) cron(after time.Time) (time.Time, bool) {
	t, ok := r.Cron.Next(after, r.Loc)
	if !ok || r.Active == nil || r.Active.Contains(t.In(r.Loc)) {
		return t, ok
	}
	for range 1000 { // the next match inside the window
		if t, ok = r.Cron.Next(t, r.Loc); !ok || r.Active.Contains(t.In(r.Loc)) {
			return t, ok
		}
	}
	return time.Time{}, false
}

func (r Rule) active(t time.Time) time.Time {
	if r.Active == nil || r.Active.Contains(t.In(r.Loc)) {
		return t
	}
	return r.Active.NextStart(t, r.Loc)
}

// Window is a daily span of local time, "HH:MM-HH:MM"; one whose end is
// before its start runs over midnight.
type Window struct {
	Start, End int // minutes after midnight
}

// ParseWindow parses "HH:MM-HH:MM".
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("active hours must be HH:MM-HH:MM such as 08:00-22:00, got %q", s)
	}
	start, err := clock(a)
	if err != nil {
		return Window{}, fmt.Errorf("active hours %q: %w", s, err)
	}
	end, err := clock(b)
	if err != nil {
		return Window{}, fmt.Errorf("active hours %q: %w", s, err)
	}
	if start == end {
		return Window{}, fmt.Errorf("active hours %q: start and end are equal (leave active_hours out for all day)", s)
	}
	return Window{Start: start, End: end}, nil
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) > 2 || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return hh*60 + mm, nil
}

// Contains reports whether local time t is inside the window.
func (w Window) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// NextStart returns the window's next start after t in loc.
func (w Window) NextStart(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		wall := day.AddDate(0, 0, i).Add(time.Duration(w.Start) * time.Minute)
		if at := resolve(wall, loc); at.After(t) {
			return at
		}
	}
	return t.Add(24 * time.Hour) // unreachable: a start comes every day
}
