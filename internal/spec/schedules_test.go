package spec_test

import (
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestSchedules(t *testing.T) {
	t.Parallel()
	three := 3
	tests := []struct {
		name string
		in   string
		want *claw.Spec
		errs []string // substrings, one per problem
	}{
		{
			name: "full",
			in: `name: a
model: p/m
schedules:
  - name: standup
    cron: "0 9 * * mon-fri"
    timezone: Europe/Lisbon
    prompt: Post the standup.
    session: team
    catchup: all
    retries: 3
  - name: tick
    every: 2s
    prompt: tick
  - name: launch
    at: 2030-01-01T09:00:00Z
    prompt: go
heartbeat:
  every: 30m
  active_hours: "08:00-22:00"
  model: p/cheap
  idle_after: 168h
max_schedules: 10
`,
			want: &claw.Spec{Name: "a", Model: "p/m", Schedules: []claw.ScheduleSpec{
				{Name: "standup", Cron: "0 9 * * mon-fri", Timezone: "Europe/Lisbon", Prompt: "Post the standup.", Session: "team", Catchup: "all", Retries: &three},
				{Name: "tick", Every: claw.Duration(2 * time.Second), Prompt: "tick"},
				{Name: "launch", At: "2030-01-01T09:00:00Z", Prompt: "go"},
			}, Heartbeat: &claw.Heartbeat{Every: claw.Duration(30 * time.Minute), ActiveHours: "08:00-22:00", Model: "p/cheap", IdleAfter: claw.Duration(168 * time.Hour)},
				MaxSchedules: 10},
		},
		{name: "two timings", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, cron: '* * * * *', every: 1m, prompt: p}\n", errs: []string{"exactly one of cron, every and at"}},
		{name: "no timing", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, prompt: p}\n", errs: []string{"exactly one of cron, every and at (got 0)"}},
		{name: "bad cron", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, cron: '61 * * * *', prompt: p}\n", errs: []string{"out of range"}},
		{name: "every too short", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, every: 500ms, prompt: p}\n", errs: []string{"at least 1s"}},
		{name: "bad at", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, at: tomorrow, prompt: p}\n", errs: []string{"RFC 3339"}},
		{name: "bad zone", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, every: 1m, timezone: Mars/Olympus, prompt: p}\n", errs: []string{"unknown timezone"}},
		{name: "bad catchup", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, every: 1m, catchup: some, prompt: p}\n", errs: []string{"catchup must be skip, once or all"}},
		{name: "no prompt and reserved and dup", in: "name: a\nmodel: p/m\nschedules:\n  - {name: heartbeat, every: 1m}\n  - {name: y, every: 1m, prompt: p}\n  - {name: y, every: 1m, prompt: p}\n",
			errs: []string{"reserved", "prompt: is required", "duplicate schedule"}},
		{name: "unknown key", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, evry: 1m, prompt: p}\n", errs: []string{`unknown key "evry"`}},
		{name: "heartbeat bad", in: "name: a\nmodel: p/m\nheartbeat: {active_hours: '9-5', model: cheap}\n", errs: []string{"active hours", "heartbeat.model"}},
		{name: "retries bound", in: "name: a\nmodel: p/m\nschedules:\n  - {name: x, every: 1m, prompt: p, retries: 11}\n", errs: []string{"retries: must be between 0 and 10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := spec.Parse([]byte(tt.in))
			if tt.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				a, _ := spec.Canonical(got)
				b, _ := spec.Canonical(*tt.want)
				if string(a) != string(b) {
					t.Fatalf("got  %s\nwant %s", a, b)
				}
				return
			}
			ps := spec.Problems(err)
			if len(ps) != len(tt.errs) {
				t.Fatalf("problems = %v, want %d", err, len(tt.errs))
			}
			for i, p := range ps {
				if !strings.Contains(p.String(), tt.errs[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, p.String(), tt.errs[i])
				}
			}
		})
	}
}
