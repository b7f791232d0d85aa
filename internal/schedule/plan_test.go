package schedule

import (
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

func specEvery(d, zone string) claw.ScheduleSpec {
	v, _ := time.ParseDuration(d)
	return claw.ScheduleSpec{Name: "s", Every: claw.Duration(v), Timezone: zone, Prompt: "p"}
}

func TestPlanCatchup(t *testing.T) {
	t.Parallel()
	t0 := mustTime(t, "2026-01-01T00:00:00Z")
	r, err := Compile(specEvery("10m", ""))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		now        time.Time
		catchup    string
		fires      int
		last       time.Time
		skipped    int
		wantNextAt time.Time
	}{
		{"on time", t0.Add(50 * time.Millisecond), "", 1, t0, 0, t0.Add(10 * time.Minute)},
		{"on time skip", t0.Add(time.Second), claw.CatchupSkip, 1, t0, 0, t0.Add(10 * time.Minute)},
		{"down 1h once", t0.Add(65 * time.Minute), claw.CatchupOnce, 1, t0.Add(60 * time.Minute), 6, t0.Add(70 * time.Minute)},
		{"down 1h skip, latest late", t0.Add(65 * time.Minute), claw.CatchupSkip, 0, time.Time{}, 7, t0.Add(70 * time.Minute)},
		{"down 1h skip, latest on time", t0.Add(60*time.Minute + time.Second), claw.CatchupSkip, 1, t0.Add(60 * time.Minute), 6, t0.Add(70 * time.Minute)},
		{"down 1h all", t0.Add(65 * time.Minute), claw.CatchupAll, 7, t0.Add(60 * time.Minute), 0, t0.Add(70 * time.Minute)},
		{"down a year all capped", t0.Add(365 * 24 * time.Hour), claw.CatchupAll, MaxCatchup, t0.Add(365 * 24 * time.Hour), 52561 - MaxCatchup, t0.Add(365*24*time.Hour + 10*time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.Plan(t0, tt.now, tt.catchup)
			if len(p.Fires) != tt.fires || p.Skipped != tt.skipped || !p.Next.Equal(tt.wantNextAt) {
				t.Fatalf("plan = %d fires, %d skipped, next %s; want %d, %d, %s", len(p.Fires), p.Skipped, p.Next, tt.fires, tt.skipped, tt.wantNextAt)
			}
			if tt.fires > 0 && !p.Fires[len(p.Fires)-1].Equal(tt.last) {
				t.Fatalf("last fire %s, want %s", p.Fires[len(p.Fires)-1], tt.last)
			}
		})
	}
}

func TestPlanOneShot(t *testing.T) {
	t.Parallel()
	at := mustTime(t, "2026-01-01T00:00:00Z")
	r, err := Compile(claw.ScheduleSpec{Name: "once", At: "2026-01-01T00:00:00Z", Prompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Plan(at, at.Add(time.Second), ""); len(p.Fires) != 1 || !p.Next.IsZero() {
		t.Fatalf("one-shot plan = %+v, want one fire and no next", p)
	}
	if p := r.Plan(at, at.Add(time.Hour), claw.CatchupSkip); len(p.Fires) != 0 || p.Skipped != 1 || !p.Next.IsZero() {
		t.Fatalf("missed one-shot with skip = %+v", p)
	}
}

// TestEveryTwoSecondsFakeClock walks a fake clock through 7.5 s of an
// every-2s schedule and a one-shot 6 s ahead, firing what each plan says.
func TestEveryTwoSecondsFakeClock(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-05-01T10:00:00Z")
	every, _ := Compile(specEvery("2s", ""))
	at, _ := Compile(claw.ScheduleSpec{Name: "at", At: start.Add(6 * time.Second).Format(time.RFC3339), Prompt: "p"})
	count := func(r Rule) int {
		n := 0
		next, ok := r.First(start)
		for ok && !next.After(start.Add(7500*time.Millisecond)) {
			now := next.Add(3 * time.Millisecond) // the scheduler's lateness
			p := r.Plan(next, now, "")
			n += len(p.Fires)
			next, ok = p.Next, !p.Next.IsZero()
		}
		return n
	}
	if n := count(every); n < 3 || n > 5 {
		t.Errorf("every 2s fired %d times in 7.5s", n)
	}
	if n := count(at); n != 1 {
		t.Errorf("at fired %d times", n)
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec, at string
		in       bool
	}{
		{"08:00-22:00", "2026-01-01T08:00:00Z", true},
		{"08:00-22:00", "2026-01-01T22:00:00Z", false},
		{"08:00-22:00", "2026-01-01T07:59:00Z", false},
		{"22:00-06:00", "2026-01-01T23:00:00Z", true},
		{"22:00-06:00", "2026-01-01T05:59:00Z", true},
		{"22:00-06:00", "2026-01-01T12:00:00Z", false},
	}
	for _, tt := range tests {
		w, err := ParseWindow(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Contains(mustTime(t, tt.at)); got != tt.in {
			t.Errorf("%s contains %s = %v", tt.spec, tt.at, got)
		}
	}
	for _, bad := range []string{"8-22", "08:00", "25:00-01:00", "08:00-08:00", "08:60-09:00"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) = nil error", bad)
		}
	}
	r, _ := Compile(claw.ScheduleSpec{Name: "h", Every: claw.Duration(30 * time.Minute), ActiveHours: "08:00-22:00", Timezone: "Europe/Lisbon", Prompt: "p"})
	next, _ := r.Next(mustTime(t, "2026-07-01T20:45:00Z")) // 21:45 WEST + 30m is outside
	if want := mustTime(t, "2026-07-02T07:00:00Z"); !next.Equal(want) {
		t.Fatalf("next beat = %s, want %s (08:00 Lisbon)", next, want)
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 20: time.Hour} {
		if got := RetryDelay(n); got != want {
			t.Errorf("RetryDelay(%d) = %s, want %s", n, got, want)
		}
	}
}
