// Package schedule is the pure half of reef's scheduling: cron expressions,
// the next fire of a cron, every or at rule in a time zone, what to fire
// after a downtime (catchup), active hours and retry backoff. It keeps no
// state and reads no clock: callers pass the time. The service that fires
// schedules durably is internal/scheduler.
//
// # Daylight saving time
//
// Cron fields match local wall-clock time in the schedule's time zone.
// Two rules, the ones Vixie cron applies to fixed-time jobs, make the
// edges explicit:
//
//   - A local time skipped by a spring-forward gap fires at the first
//     instant after the gap (a job at 02:30 fires at 03:00 on that day).
//     Several skipped times collapse into that one fire.
//   - A local time repeated by a fall-back fires once, at its first
//     occurrence; the repeated hour does not fire again.
//
// every rules are plain durations between instants and ignore the zone;
// at rules are absolute instants.
package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones embedded: schedules work on hosts without zoneinfo
)

// Cron is a parsed cron expression: five fields (minute hour day-of-month
// month day-of-week) or six with seconds first.
type Cron struct {
	sec, min, hour, dom, month, dow uint64
	domStar, dowStar                bool
	text                            string
}

type field struct {
	name      string
	lo, hi    int
	names     map[string]int
	wrapSeven bool // day of week: 7 is Sunday
}

var (
	secField   = field{name: "second", lo: 0, hi: 59}
	minField   = field{name: "minute", lo: 0, hi: 59}
	hourField  = field{name: "hour", lo: 0, hi: 23}
	domField   = field{name: "day of month", lo: 1, hi: 31}
	monthField = field{name: "month", lo: 1, hi: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	dowField = field{name: "day of week", lo: 0, hi: 7, wrapSeven: true, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

var macros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// ParseCron parses a 5-field or 6-field (seconds first) cron expression or
// a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly). Fields take *, ?, numbers, names (jan-dec, sun-sat), ranges
// a-b, steps */n, a-b/n and a/n, and comma lists. A day of month and a day
// of week both restricted match either, as in Vixie cron.
func ParseCron(expr string) (*Cron, error) {
	text := strings.TrimSpace(expr)
	if text == "" {
		return nil, fmt.Errorf("empty cron expression")
	}
	if strings.HasPrefix(text, "@") {
		m, ok := macros[strings.ToLower(text)]
		if !ok {
			return nil, fmt.Errorf("unknown cron macro %q (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)", text)
		}
		c, err := ParseCron(m)
		if c != nil {
			c.text = text
		}
		return c, err
	}
	fs := strings.Fields(text)
	switch len(fs) {
	case 5:
		fs = append([]string{"0"}, fs...)
	case 6:
	default:
		return nil, fmt.Errorf("cron expression %q has %d fields, want 5 (minute hour day month weekday) or 6 (with seconds first)", text, len(fs))
	}
	c := &Cron{text: text}
	var err error
	for i, p := range []struct {
		f    field
		out  *uint64
		star *bool
	}{{secField, &c.sec, nil}, {minField, &c.min, nil}, {hourField, &c.hour, nil},
		{domField, &c.dom, &c.domStar}, {monthField, &c.month, nil}, {dowField, &c.dow, &c.dowStar}} {
		if *p.out, err = p.f.parse(fs[i]); err != nil {
			return nil, err
		}
		if p.star != nil {
			*p.star = fs[i] == "*" || fs[i] == "?"
		}
	}
	if c.dow&(1<<7) != 0 {
		c.dow = c.dow&^(1<<7) | 1
	}
	return c, nil
}

// String is the expression as written.
func (c *Cron) String() string { return c.text }

func (f field) parse(s string) (uint64, error) {
	var set uint64
	for part := range strings.SplitSeq(s, ",") {
		bitsOf, err := f.part(part)
		if err != nil {
			return 0, fmt.Errorf("cron %s field %q: %w", f.name, s, err)
		}
		set |= bitsOf
	}
	return set, nil
}

func (f field) part(p string) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(p, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 || n > f.hi-f.lo+1 {
			return 0, fmt.Errorf("step %q must be a number from 1 to %d", stepText, f.hi-f.lo+1)
		}
		step = n
	}
	lo, hi := f.lo, f.hi
	if f.wrapSeven {
		hi = 6 // * means 0-6; 7 only as an explicit Sunday
	}
	switch {
	case rng == "*" || rng == "?":
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a); err != nil {
			return 0, err
		}
		if hi, err = f.value(b); err != nil {
			return 0, err
		}
		if lo > hi {
			return 0, fmt.Errorf("range %q runs backwards", rng)
		}
	default:
		v, err := f.value(rng)
		if err != nil {
			return 0, err
		}
		lo = v
		if hasStep {
			hi = f.hi // a/n: from a to the end
		} else {
			hi = v
		}
	}
	var set uint64
	for v := lo; v <= hi; v += step {
		set |= 1 << uint(v)
	}
	return set, nil
}

func (f field) value(s string) (int, error) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || len(s) > 2 {
		return 0, fmt.Errorf("%q is not a %s", s, f.name)
	}
	if v < f.lo || v > f.hi {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.lo, f.hi)
	}
	return v, nil
}

// maxSearch bounds the search for a next fire: an expression that matches
// no date within it (such as February 30) never fires.
const maxSearch = 5 * 366 * 24 * time.Hour

// Next returns the first fire strictly after t, matching wall-clock time
// in loc (see the package comment for DST); ok is false when the
// expression never fires again.
func (c *Cron) Next(t time.Time, loc *time.Location) (time.Time, bool) {
	lt := t.In(loc)
	w := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), 0, time.UTC).Add(time.Second)
	end := w.Add(maxSearch)
	for {
		var ok bool
		if w, ok = c.nextWall(w, end); !ok {
			return time.Time{}, false
		}
		if at := resolve(w, loc); at.After(t) {
			return at, true
		}
		w = w.Add(time.Second) // the second occurrence of a repeated hour
	}
}

// nextWall returns the first matching wall-clock time at or after w, a
// calendar value kept in UTC so that no zone rule moves it.
func (c *Cron) nextWall(w, end time.Time) (time.Time, bool) {
	for w.Before(end) {
		switch {
		case c.month&(1<<uint(w.Month())) == 0:
			w = time.Date(w.Year(), w.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(w):
			w = time.Date(w.Year(), w.Month(), w.Day()+1, 0, 0, 0, 0, time.UTC)
		case c.hour&(1<<uint(w.Hour())) == 0:
			w = w.Truncate(time.Hour).Add(time.Hour)
		case c.min&(1<<uint(w.Minute())) == 0:
			w = w.Truncate(time.Minute).Add(time.Minute)
		case c.sec&(1<<uint(w.Second())) == 0:
			if rest := c.sec >> uint(w.Second()); rest != 0 {
				w = w.Add(time.Duration(bits.TrailingZeros64(rest)) * time.Second)
			} else {
				w = w.Truncate(time.Minute).Add(time.Minute)
			}
		default:
			return w, true
		}
	}
	return time.Time{}, false
}

func (c *Cron) dayMatches(w time.Time) bool {
	dom := c.dom&(1<<uint(w.Day())) != 0
	dow := c.dow&(1<<uint(w.Weekday())) != 0
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

// resolve turns a wall-clock time (a calendar value in UTC) into the
// instant it names in loc: the first occurrence of a repeated time, and
// the first instant after the gap for a skipped one.
func resolve(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
	if sameWall(t, w) {
		start, _ := t.ZoneBounds()
		if !start.IsZero() {
			_, off := t.Zone()
			_, prev := start.Add(-time.Second).Zone()
			if prev > off { // after a fall-back: did this wall time occur before it?
				if e := t.Add(-time.Duration(prev-off) * time.Second); e.Before(start) && sameWall(e.In(loc), w) {
					return e
				}
			}
		}
		return t
	}
	// w fell in a spring-forward gap; Go normalized it to one side.
	start, end := t.ZoneBounds()
	if wallAfter(t, w) {
		return start
	}
	return end
}

func sameWall(t, w time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := w.Date()
	return y == wy && m == wm && d == wd && t.Hour() == w.Hour() && t.Minute() == w.Minute() && t.Second() == w.Second()
}

func wallAfter(t, w time.Time) bool {
	tw := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return tw.After(w)
}
