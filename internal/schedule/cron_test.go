package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, after, want string // want "" expects a parse error
	}{
		{"* * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
		{"*/15 * * * *", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z"},
		{"0 9 * * mon-fri", "2026-01-02T10:00:00Z", "2026-01-05T09:00:00Z"}, // Friday 10:00 -> Monday
		{"0 0 1 jan *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"@hourly", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
		{"@daily", "2026-01-01T00:00:01Z", "2026-01-02T00:00:00Z"},
		{"@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"}, // a Sunday
		{"@monthly", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"},
		{"@yearly", "2026-01-15T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"*/10 * * * * *", "2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z"},
		{"58 * * * * *", "2026-01-01T00:00:59Z", "2026-01-01T00:01:58Z"},
		{"5 0 * * * *", "2026-01-01T00:00:59Z", "2026-01-01T01:00:05Z"},
		{"0 0 13 * 5", "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z"}, // day 13 OR Friday
		{"0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"}, // 7 is Sunday
		{"10-20/5 1 * * *", "2026-01-01T01:16:00Z", "2026-01-01T01:20:00Z"},
		{"30/10 1 * * *", "2026-01-01T01:31:00Z", "2026-01-01T01:40:00Z"},
		{"1,2,3 4 * * *", "2026-01-01T04:02:00Z", "2026-01-01T04:03:00Z"},
		{"", "", ""},
		{"* * * *", "", ""},
		{"* * * * * * *", "", ""},
		{"60 * * * *", "", ""},
		{"* 24 * * *", "", ""},
		{"* * 0 * *", "", ""},
		{"* * * 13 *", "", ""},
		{"* * * * 8", "", ""},
		{"5-1 * * * *", "", ""},
		{"*/0 * * * *", "", ""},
		{"@fortnightly", "", ""},
		{"a * * * *", "", ""},
	}
	for _, tt := range tests {
		c, err := ParseCron(tt.expr)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseCron(%q) = nil error, want one", tt.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCron(%q): %v", tt.expr, err)
			continue
		}
		got, ok := c.Next(mustTime(t, tt.after), time.UTC)
		if !ok || !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("%q after %s = %s (%v), want %s", tt.expr, tt.after, got.Format(time.RFC3339), ok, tt.want)
		}
	}
}

func TestCronNeverFires(t *testing.T) {
	t.Parallel()
	c, err := ParseCron("0 0 30 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Next(mustTime(t, "2026-01-01T00:00:00Z"), time.UTC); ok {
		t.Fatalf("February 30 fired at %s", got)
	}
}

// TestCronDST pins the daylight saving rules of the package comment: a
// skipped local time fires at the first instant after the gap; a repeated
// one fires once, at its first occurrence.
func TestCronDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, zone, expr string
		after            string
		want             []string // the next fires, chained
	}{
		// New York: 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
		{"ny spring daily in gap", "America/New_York", "30 2 * * *", "2026-03-07T17:00:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
		{"ny spring hourly", "America/New_York", "0 * * * *", "2026-03-08T06:30:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"}},
		{"ny spring every 20 min", "America/New_York", "*/20 * * * *", "2026-03-08T06:50:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-08T07:20:00Z"}},
		// New York: 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z).
		{"ny fall daily in repeated hour", "America/New_York", "30 1 * * *", "2026-10-31T16:00:00Z",
			[]string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"ny fall half-hourly", "America/New_York", "*/30 * * * *", "2026-11-01T04:45:00Z",
			[]string{"2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z"}},
		{"ny fall from second occurrence", "America/New_York", "*/30 * * * *", "2026-11-01T06:10:00Z",
			[]string{"2026-11-01T07:00:00Z"}},
		// Lisbon: 2026-03-29 01:00 WET -> 02:00 WEST (01:00Z).
		{"lisbon spring daily in gap", "Europe/Lisbon", "30 1 * * *", "2026-03-28T12:00:00Z",
			[]string{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"lisbon spring hourly", "Europe/Lisbon", "0 * * * *", "2026-03-29T00:30:00Z",
			[]string{"2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}},
		// Lisbon: 2026-10-25 02:00 WEST -> 01:00 WET (01:00Z).
		{"lisbon fall daily in repeated hour", "Europe/Lisbon", "30 1 * * *", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"lisbon fall hourly", "Europe/Lisbon", "0 * * * *", "2026-10-24T23:30:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"}},
		{"lisbon fall seconds", "Europe/Lisbon", "0 59 1 * * *", "2026-10-25T00:00:00Z",
			[]string{"2026-10-25T00:59:00Z", "2026-10-26T01:59:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, err := LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseCron(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			at := mustTime(t, tt.after)
			for i, w := range tt.want {
				got, ok := c.Next(at, loc)
				if !ok || !got.Equal(mustTime(t, w)) {
					t.Fatalf("fire %d after %s = %s (%s local), want %s", i+1, at.Format(time.RFC3339), got.UTC().Format(time.RFC3339), got.In(loc).Format(time.RFC3339), w)
				}
				at = got
			}
		})
	}
}

// TestEveryIgnoresDST: an every rule counts real time across a change.
func TestEveryIgnoresDST(t *testing.T) {
	t.Parallel()
	r, err := Compile(specEvery("1h", "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	at := mustTime(t, "2026-03-08T06:30:00Z")
	next, _ := r.Next(at)
	if want := mustTime(t, "2026-03-08T07:30:00Z"); !next.Equal(want) {
		t.Fatalf("next = %s, want %s", next, want)
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "*/5 1-3 * jan-mar mon,fri", "@hourly", "0 0 29 2 *", "1-59/7 * * * * *", "?", "0 0 31 4 *"} {
		f.Add(s)
	}
	after := time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)
	ny, _ := LoadLocation("America/New_York")
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, loc := range []*time.Location{time.UTC, ny} {
			next, ok := c.Next(after, loc)
			if ok && !next.After(after) {
				t.Fatalf("%q: next %s is not after %s", expr, next, after)
			}
			if ok {
				again, ok2 := c.Next(next, loc)
				if ok2 && !again.After(next) {
					t.Fatalf("%q: %s then %s", expr, next, again)
				}
			}
		}
	})
}
