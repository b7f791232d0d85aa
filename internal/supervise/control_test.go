package supervise_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/wake"
)

// fakeClock is a manual clock: timers fire only on Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[int]fakeTimer
	next   int
	armed  chan time.Duration // every AfterFunc's delay
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), timers: map[int]fakeTimer{}, armed: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	id := c.next
	c.next++
	c.timers[id] = fakeTimer{at: c.now.Add(d), f: f}
	c.mu.Unlock()
	select {
	case c.armed <- d:
	default:
	}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Advance moves the clock and runs the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for id, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t.f)
			delete(c.timers, id)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// waitArmed waits for a timer of delay d to be set.
func (c *fakeClock) waitArmed(t *testing.T, d time.Duration) {
	t.Helper()
	for {
		select {
		case got := <-c.armed:
			if got == d {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no timer of %s was set", d)
		}
	}
}

// stepRunner is a supervise.Runner driven by its fn, which gets the run
// control's Step as step.
type stepRunner struct {
	st store.Store
	fn func(ctx context.Context, c claw.Claw, ev claw.Event, step func() error) error
}

func (r *stepRunner) RunNext(ctx context.Context, c claw.Claw, ctl claw.RunControl) (int64, bool, error) {
	step := ctl.Step
	ev, run, ok, err := r.st.ClaimRun(ctx, c.Tenant, c)
	if err != nil || !ok {
		return 0, ok, err
	}
	if err := r.fn(ctx, c, ev, step); err != nil {
		return ev.ID, true, err
	}
	return ev.ID, true, r.st.FinishRun(ctx, c.Tenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted, Reply: "re: " + ev.Text})
}

func setupSteps(t *testing.T, cfg supervise.Config, fn func(ctx context.Context, c claw.Claw, ev claw.Event, step func() error) error) *bundle {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hub := wake.New()
	sup := supervise.New(st, hub, &stepRunner{st: st, fn: fn}, slog.New(slog.DiscardHandler), cfg)
	t.Cleanup(func() { sup.Stop(); st.Close() })
	return &bundle{st: st, hub: hub, sup: sup}
}

func (b *bundle) clawSpec(t *testing.T, s claw.Spec) claw.Ref {
	t.Helper()
	canon, _ := json.Marshal(s)
	if _, err := b.st.ApplyClaw(t.Context(), claw.DefaultTenant, s, canon); err != nil {
		t.Fatal(err)
	}
	return claw.Ref{Tenant: claw.DefaultTenant, Name: s.Name}
}

func actions(t *testing.T, st store.Store, name string) string {
	t.Helper()
	recs, err := st.ListAudit(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: name}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		out = append(out, recs[i].Action)
	}
	return strings.Join(out, " ")
}

func TestWedgeIsACrash(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	crashed := make(chan error, 1)
	started := make(chan struct{}, 1)
	b := setupSteps(t, supervise.Config{Clock: clk, OnCrash: func(_ claw.Ref, err error, _ bool) { crashed <- err }},
		func(ctx context.Context, _ claw.Claw, _ claw.Event, step func() error) error {
			if err := step(); err != nil {
				return err
			}
			started <- struct{}{}
			<-ctx.Done() // wedged: no more progress
			return ctx.Err()
		})
	ref := b.clawSpec(t, claw.Spec{Name: "stuck", Model: "p/m", Supervision: claw.Supervision{WedgeTimeout: claw.Duration(time.Minute)}})
	b.send(t, ref, "hello")
	<-started
	clk.Advance(59 * time.Second) // progress 59 s ago is no wedge yet
	select {
	case err := <-crashed:
		t.Fatalf("crashed early: %v", err)
	default:
	}
	clk.Advance(time.Second)
	err := <-crashed
	if !strings.Contains(err.Error(), "wedged: no step progress for 1m0s") {
		t.Fatalf("crash = %v", err)
	}
	c, _ := b.st.GetClaw(t.Context(), ref)
	if c.Restarts != 1 || !strings.Contains(c.LastError, "wedged") {
		t.Fatalf("claw after wedge = %+v", c)
	}
	if got := actions(t, b.st, "stuck"); got != "crash" {
		t.Fatalf("audit = %q", got)
	}
}

func TestSpecIntensityAndRestart(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	broken.Store(true)
	parked := make(chan bool, 8)
	b := setupSteps(t, supervise.Config{BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, OnCrash: func(_ claw.Ref, _ error, p bool) { parked <- p }},
		func(_ context.Context, _ claw.Claw, ev claw.Event, _ func() error) error {
			if broken.Load() {
				return errors.New("broken " + ev.Text)
			}
			return nil
		})
	ref := b.clawSpec(t, claw.Spec{Name: "bad", Model: "p/m", Supervision: claw.Supervision{MaxRestarts: 1}})
	ev, _ := b.send(t, ref, "one")
	if <-parked || !<-parked {
		t.Fatal("want parked on the second crash (max_restarts 1)")
	}
	c, _ := b.st.GetClaw(t.Context(), ref)
	if c.State != claw.StateCrashloop || c.Restarts != 2 || c.LastError != "broken one" {
		t.Fatalf("parked claw = %+v", c)
	}
	// Resume is for paused claws only.
	if _, err := b.sup.Resume(t.Context(), ref, "admin"); claw.ErrorCode(err) != claw.ECONFLICT {
		t.Fatalf("Resume of a crash-looping claw = %v", err)
	}
	broken.Store(false)
	ch, _ := b.hub.Watch(ref, ev.ID)
	c, err := b.sup.Restart(t.Context(), ref, "admin")
	if err != nil || c.State != claw.StateIdle || c.Restarts != 0 || c.LastError != "" {
		t.Fatalf("Restart = %+v, %v", c, err)
	}
	wait(t, ch)
	if got, _ := b.st.GetEvent(t.Context(), ref, ev.ID); got.Status != claw.EventCompleted {
		t.Fatalf("event after restart = %+v", got)
	}
	if got := actions(t, b.st, "bad"); got != "crash crashloop restart" {
		t.Fatalf("audit = %q", got)
	}
}

func TestPauseHaltsAtStepAndResume(t *testing.T) {
	t.Parallel()
	started, release, halted := make(chan struct{}, 1), make(chan struct{}), make(chan error, 1)
	var first atomic.Bool
	first.Store(true)
	b := setupSteps(t, supervise.Config{}, func(_ context.Context, _ claw.Claw, _ claw.Event, step func() error) error {
		if first.CompareAndSwap(true, false) {
			started <- struct{}{}
			<-release
			err := step()
			halted <- err
			return err
		}
		return step()
	})
	ref := b.clawSpec(t, claw.Spec{Name: "p", Model: "p/m"})
	ev, _ := b.send(t, ref, "long")
	<-started
	c, err := b.sup.Pause(t.Context(), ref, "ops")
	if err != nil || c.State != claw.StatePaused {
		t.Fatalf("Pause = %+v, %v", c, err)
	}
	close(release) // the run reaches its next step boundary and halts there
	if err := <-halted; !errors.Is(err, supervise.ErrHalted) {
		t.Fatalf("step after pause = %v", err)
	}
	if got, _ := b.st.GetEvent(t.Context(), ref, ev.ID); got.Status != claw.EventRunning {
		t.Fatalf("halted event = %s", got.Status)
	}
	if again, err := b.sup.Pause(t.Context(), ref, "ops"); err != nil || again.State != claw.StatePaused {
		t.Fatalf("second Pause = %+v, %v", again, err)
	}
	ch, _ := b.hub.Watch(ref, ev.ID)
	if c, err := b.sup.Resume(t.Context(), ref, "ops"); err != nil || c.State != claw.StateIdle {
		t.Fatalf("Resume = %+v, %v", c, err)
	}
	wait(t, ch)
	if got, _ := b.st.GetEvent(t.Context(), ref, ev.ID); got.Status != claw.EventCompleted {
		t.Fatalf("event after resume = %s", got.Status)
	}
	if got := actions(t, b.st, "p"); got != "pause resume" {
		t.Fatalf("audit = %q", got)
	}
}

// flakyService panics on its first Serve, then serves until stopped.
type flakyService struct {
	serves atomic.Int32
	up     chan struct{}
}

func (f *flakyService) Serve(ctx context.Context) error {
	if f.serves.Add(1) == 1 {
		panic("service exploded")
	}
	close(f.up)
	<-ctx.Done()
	return nil
}

func TestServiceRestartedAfterPanic(t *testing.T) {
	t.Parallel()
	crashes := make(chan string, 2)
	b := setup(t, supervise.Config{BaseBackoff: time.Millisecond, OnServiceCrash: func(_ string, err error) { crashes <- err.Error() }},
		func(claw.Claw, claw.Event) error { return nil })
	svc := &flakyService{up: make(chan struct{})}
	b.sup.AddService("flaky", svc)
	if err := b.sup.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if msg := <-crashes; !strings.HasPrefix(msg, "panic: service exploded") {
		t.Fatalf("crash = %q", msg)
	}
	<-svc.up
	// Claws still run beside it.
	_, ch := b.send(t, b.claw(t, "c"), "hi")
	wait(t, ch)
	b.sup.Stop()
	if n := svc.serves.Load(); n != 2 {
		t.Fatalf("Serve called %d times", n)
	}
}

func TestApprovalTimerDenies(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &bundle{st: st}
	ref := b.claw(t, "a")
	if _, _, err := st.Enqueue(t.Context(), ref, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "k", Session: "main", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	c, _ := st.GetClaw(t.Context(), ref)
	_, run, _, err := st.ClaimRun(t.Context(), ref.Tenant, c)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	woken := make(chan claw.Ref, 1)
	timer := supervise.NewApprovalTimer(st, func(r claw.Ref) { woken <- r }, clk, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- timer.Serve(ctx) }()
	clk.waitArmed(t, 24*time.Hour) // nothing pending
	if _, err := st.RequestApproval(t.Context(), ref.Tenant, claw.Approval{Claw: "a", RunID: run.ID, ToolCallID: "c1", Tool: "shell", ExpiresAt: clk.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	timer.Poke()
	clk.waitArmed(t, time.Hour)
	clk.Advance(time.Hour)
	if r := <-woken; r != ref {
		t.Fatalf("woke %v", r)
	}
	a, _ := st.GetApproval(t.Context(), ref.Tenant, run.ID, "c1")
	if a.Status != claw.ApprovalDenied || a.DecidedBy != "timeout" {
		t.Fatalf("approval = %+v", a)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
