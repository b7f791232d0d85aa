package scheduler

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
)

type bundle struct {
	store store.Store
	clock *fakeClock
	dir   string
	mu    sync.Mutex
	woken map[string]int
	sched *Scheduler
}

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{clock: newFakeClock(t0), dir: t.TempDir(), woken: map[string]int{}}
	st, err := sqlite.Open(t.Context(), filepath.Join(b.dir, "reef.db"), b.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b.store = st
	return b
}

// start starts a scheduler (again, after stop: a restarted node) and
// waits for its first pass to end.
func (b *bundle) start(t *testing.T) {
	t.Helper()
	b.sched = New(b.store, func(r claw.Ref) {
		b.mu.Lock()
		b.woken[r.Name]++
		b.mu.Unlock()
	}, nil, Config{Clock: b.clock, Coalesce: -1, Workspace: func(c claw.Claw) (string, error) {
		return filepath.Join(b.dir, "workspaces", c.Tenant, c.Name), nil
	}})
	b.sched.Start(t.Context())
	t.Cleanup(b.sched.Stop)
	b.clock.waitArmed(t)
}

func (b *bundle) apply(t *testing.T, sp claw.Spec) {
	t.Helper()
	if sp.Model == "" {
		sp.Model = "p/m"
	}
	if err := spec.Validate(sp); err != nil {
		t.Fatal(err)
	}
	canon, _ := spec.Canonical(sp)
	if _, err := b.store.ApplyClaw(t.Context(), claw.DefaultTenant, sp, canon); err != nil {
		t.Fatal(err)
	}
	if b.sched != nil {
		b.sched.Wake()
		b.clock.waitArmed(t)
	}
}

func (b *bundle) get(t *testing.T, name, sched string) store.Schedule {
	t.Helper()
	sc, err := b.store.GetSchedule(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: name}, sched)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// events returns the texts of a claw's scheduled events, in order.
func (b *bundle) events(t *testing.T, name string) []claw.Event {
	t.Helper()
	var out []claw.Event
	for id := int64(1); ; id++ {
		e, err := b.store.GetEvent(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: name}, id)
		if claw.ErrorCode(err) == claw.ENOTFOUND {
			if id > 1000 {
				return out
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

func TestEveryAndAt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.start(t)
	b.apply(t, claw.Spec{Name: "c", Schedules: []claw.ScheduleSpec{
		{Name: "tick", Every: claw.Duration(2 * time.Second), Prompt: "tick"},
		{Name: "once", At: t0.Add(6 * time.Second).Format(time.RFC3339), Prompt: "once"},
	}})
	b.clock.step(t, 7500*time.Millisecond, 50*time.Millisecond)
	if n := b.get(t, "c", "tick").Fires; n < 3 || n > 5 {
		t.Errorf("every 2s fired %d times in 7.5s, want 3 to 5", n)
	}
	once := b.get(t, "c", "once")
	if once.Fires != 1 || !once.NextFire.IsZero() {
		t.Errorf("at fired %d times, next %s", once.Fires, once.NextFire)
	}
	evs := b.events(t, "c")
	if len(evs) != 4 || evs[0].Kind != claw.KindSchedule || evs[0].Text != "tick" || evs[0].Session != claw.DefaultSession {
		t.Fatalf("events = %+v", evs)
	}
	if b.woken["c"] == 0 {
		t.Fatal("the supervisor was not notified")
	}
	// A restarted scheduler does not fire the one-shot again.
	b.sched.Stop()
	b.start(t)
	b.clock.step(t, 3*time.Second, 100*time.Millisecond)
	if n := b.get(t, "c", "once").Fires; n != 1 {
		t.Fatalf("one-shot fired %d times across a restart", n)
	}
}

func TestCatchup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		catchup string
		want    int
	}{{claw.CatchupSkip, 0}, {claw.CatchupOnce, 1}, {"", 1}, {claw.CatchupAll, 6}}
	for _, tt := range tests {
		t.Run("catchup="+tt.catchup, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.apply(t, claw.Spec{Name: "c", Schedules: []claw.ScheduleSpec{
				{Name: "m", Every: claw.Duration(10 * time.Minute), Prompt: "p", Catchup: tt.catchup}}})
			b.clock.advance(65 * time.Minute) // the node was down
			b.start(t)
			sc := b.get(t, "c", "m")
			if sc.Fires != tt.want || sc.Skipped != 6-tt.want {
				t.Fatalf("fires %d, skipped %d; want %d, %d", sc.Fires, sc.Skipped, tt.want, 6-tt.want)
			}
			if want := t0.Add(70 * time.Minute); !sc.NextFire.Equal(want) {
				t.Fatalf("next %s, want %s", sc.NextFire, want)
			}
		})
	}
}

// TestTwoSchedulers: two schedulers on one store (two nodes, or a node
// and its replacement) fire each time once.
func TestTwoSchedulers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.apply(t, claw.Spec{Name: "c", Schedules: []claw.ScheduleSpec{{Name: "s", Every: claw.Duration(time.Second), Prompt: "p"}}})
	other := New(b.store, func(claw.Ref) {}, nil, Config{Clock: b.clock, Coalesce: -1})
	b.start(t)
	other.Start(t.Context())
	t.Cleanup(other.Stop)
	b.clock.waitArmed(t)
	for range 5 {
		if b.clock.advance(time.Second) {
			b.clock.waitArmed(t)
			b.clock.waitArmed(t)
		}
	}
	if n := len(b.events(t, "c")); n != 5 {
		t.Fatalf("5 fire times gave %d events", n)
	}
}

func TestRetryThenDead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	two := 2
	b.start(t)
	b.apply(t, claw.Spec{Name: "c", Schedules: []claw.ScheduleSpec{{Name: "s", Cron: "0 11 * * *", Prompt: "p", Retries: &two}}})
	b.clock.step(t, time.Hour, time.Minute)
	fail := func() {
		t.Helper()
		c, _ := b.store.GetClaw(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "c"})
		ev, run, ok, err := b.store.ClaimRun(t.Context(), claw.DefaultTenant, c)
		if err != nil || !ok {
			t.Fatalf("ClaimRun: %v, %v", ok, err)
		}
		if err := b.store.FinishRun(t.Context(), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunFailed, Error: "boom"}); err != nil {
			t.Fatal(err)
		}
		b.sched.Wake()
		b.clock.waitArmed(t)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		fail()
		if attempt <= 2 {
			b.clock.step(t, schedule.RetryDelay(attempt), time.Second)
		}
	}
	fires, err := b.store.ScheduleFires(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "c"}, "s", 10)
	if err != nil || len(fires) != 3 {
		t.Fatalf("fires = %+v, %v", fires, err)
	}
	if fires[0].Status != store.FireDead || fires[0].Attempt != 3 || fires[1].Status != store.FireRetried || fires[2].Status != store.FireRetried {
		t.Fatalf("fires = %+v", fires)
	}
	if sc := b.get(t, "c", "s"); sc.LastStatus != store.FireDead || sc.LastError != "boom" {
		t.Fatalf("schedule = %+v", sc)
	}
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.start(t)
	b.apply(t, claw.Spec{Name: "c", Heartbeat: &claw.Heartbeat{Every: claw.Duration(time.Hour), IdleAfter: claw.Duration(3 * time.Hour)}})
	ws := filepath.Join(b.dir, "workspaces", claw.DefaultTenant, "c")
	if err := os.MkdirAll(ws, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(ws, "HEARTBEAT.md"), []byte("check the inbox"), 0o600)
	b.clock.step(t, time.Hour, time.Minute)
	evs := b.events(t, "c")
	if len(evs) != 1 || evs[0].Kind != claw.KindHeartbeat || evs[0].Text != "check the inbox" {
		t.Fatalf("events = %+v", evs)
	}
	// Idle for more than 3h: the beats stop...
	b.clock.step(t, 4*time.Hour, time.Minute)
	sc := b.get(t, "c", "heartbeat")
	if sc.Fires != 3 || sc.Skipped < 1 {
		t.Fatalf("heartbeat after idle: fires %d, skipped %d (%s)", sc.Fires, sc.Skipped, sc.LastStatus)
	}
	// ... and resume after a message.
	if _, _, err := b.store.Enqueue(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "c"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "m", Session: "main", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	b.clock.step(t, time.Hour, time.Minute)
	if sc := b.get(t, "c", "heartbeat"); sc.Fires != 4 {
		t.Fatalf("heartbeat did not resume: fires %d (%s)", sc.Fires, sc.LastStatus)
	}
}

func TestOperate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.start(t)
	b.apply(t, claw.Spec{Name: "c", Schedules: []claw.ScheduleSpec{{Name: "s", Every: claw.Duration(time.Minute), Prompt: "p"}}})
	ctx := context.Background()
	ev, err := b.sched.Trigger(ctx, claw.DefaultTenant, "c", "s")
	if err != nil || ev.Text != "p" {
		t.Fatalf("Trigger = %+v, %v", ev, err)
	}
	if _, err := b.sched.SetPaused(ctx, claw.DefaultTenant, "c", "s", true); err != nil {
		t.Fatal(err)
	}
	b.clock.waitArmed(t)
	b.clock.step(t, 5*time.Minute, 10*time.Second)
	if sc := b.get(t, "c", "s"); sc.Fires != 1 || !sc.Paused || NextFires(sc, 3) != nil {
		t.Fatalf("paused schedule = %+v", sc)
	}
	sc, err := b.sched.SetPaused(ctx, claw.DefaultTenant, "c", "s", false)
	if err != nil || !sc.NextFire.Equal(b.clock.Now().Add(time.Minute)) || len(NextFires(sc, 3)) != 3 {
		t.Fatalf("resumed = %+v, %v", sc, err)
	}
	b.clock.waitArmed(t)
	if err := b.sched.Cancel(ctx, claw.DefaultTenant, "c", "s"); claw.ErrorCode(err) != claw.ECONFLICT {
		t.Fatalf("Cancel of a spec schedule = %v", err)
	}
	made, err := b.sched.Create(ctx, claw.DefaultTenant, "c", claw.ScheduleSpec{Name: "self-x", At: b.clock.Now().Add(time.Hour).Format(time.RFC3339), Prompt: "later"}, 5)
	if err != nil || made.Origin != schedule.OriginClaw {
		t.Fatalf("Create = %+v, %v", made, err)
	}
	b.clock.waitArmed(t)
	if err := b.sched.Cancel(ctx, claw.DefaultTenant, "c", "self-x"); err != nil {
		t.Fatal(err)
	}
	b.clock.waitArmed(t)
	if _, err := b.sched.Create(ctx, claw.DefaultTenant, "c", claw.ScheduleSpec{Name: "self-y", At: "2020-01-01T00:00:00Z", Prompt: "x"}, 5); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("Create in the past = %v", err)
	}
}
