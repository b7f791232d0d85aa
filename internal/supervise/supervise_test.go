package supervise_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
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

// fakeRunner finishes events through the store like the agent does, after
// calling fn.
type fakeRunner struct {
	st store.Store
	fn func(c claw.Claw, ev claw.Event) error
}

func (r *fakeRunner) RunNext(ctx context.Context, c claw.Claw, _ claw.RunControl) (int64, bool, error) {
	ev, run, ok, err := r.st.ClaimRun(ctx, c.Tenant, c)
	if err != nil || !ok {
		return 0, ok, err
	}
	if err := r.fn(c, ev); err != nil {
		return ev.ID, true, err
	}
	return ev.ID, true, r.st.FinishRun(ctx, c.Tenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted, Reply: "re: " + ev.Text})
}

type bundle struct {
	st  store.Store
	hub *wake.Hub
	sup *supervise.Supervisor
}

func setup(t *testing.T, cfg supervise.Config, fn func(c claw.Claw, ev claw.Event) error) *bundle {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hub := wake.New()
	sup := supervise.New(st, hub, &fakeRunner{st: st, fn: fn}, slog.New(slog.DiscardHandler), cfg)
	t.Cleanup(func() { sup.Stop(); st.Close() })
	return &bundle{st: st, hub: hub, sup: sup}
}

func (b *bundle) claw(t *testing.T, name string) claw.Ref {
	t.Helper()
	s := claw.Spec{Name: name, Model: "p/m"}
	canon, _ := json.Marshal(s)
	if _, err := b.st.ApplyClaw(t.Context(), claw.DefaultTenant, s, canon); err != nil {
		t.Fatal(err)
	}
	return claw.Ref{Tenant: claw.DefaultTenant, Name: name}
}

// send enqueues and notifies, and returns a channel closed when the event
// has ended.
func (b *bundle) send(t *testing.T, ref claw.Ref, text string) (claw.Event, <-chan struct{}) {
	t.Helper()
	ev, _, err := b.st.Enqueue(t.Context(), ref, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: text, Session: "main", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := b.hub.Watch(ref, ev.ID)
	// A busy actor may have run the event before Watch: check the store.
	if got, err := b.st.GetEvent(t.Context(), ref, ev.ID); err == nil && got.Done() {
		done := make(chan struct{})
		close(done)
		ch = done
	}
	b.sup.Notify(ref)
	return ev, ch
}

func wait(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for an event to end")
	}
}

func TestOrderPerClawConcurrencyAcross(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	order := map[string][]string{}
	var running, peak atomic.Int32
	b := setup(t, supervise.Config{Workers: 3}, func(c claw.Claw, ev claw.Event) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		mu.Lock()
		order[c.Name] = append(order[c.Name], ev.Text)
		mu.Unlock()
		return nil
	})
	var last []<-chan struct{}
	for i := range 8 {
		ref := b.claw(t, fmt.Sprint("c", i))
		var ch <-chan struct{}
		for j := range 5 {
			_, ch = b.send(t, ref, fmt.Sprintf("c%d-%d", i, j))
		}
		last = append(last, ch)
	}
	for _, ch := range last {
		wait(t, ch)
	}
	for i := range 8 {
		got := order[fmt.Sprint("c", i)]
		for j, text := range got {
			if text != fmt.Sprintf("c%d-%d", i, j) {
				t.Fatalf("claw c%d processed %v out of order", i, got)
			}
		}
		if len(got) != 5 {
			t.Fatalf("claw c%d processed %d events", i, len(got))
		}
	}
	if p := peak.Load(); p > 3 {
		t.Fatalf("peak concurrent runs %d over the worker limit 3", p)
	}
}

func TestPanicIsolatedAndCrashloop(t *testing.T) {
	t.Parallel()
	crashes := make(chan bool, 8)
	cfg := supervise.Config{MaxRestarts: 2, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		OnCrash: func(_ claw.Ref, _ error, parked bool) { crashes <- parked }}
	b := setup(t, cfg, func(c claw.Claw, ev claw.Event) error {
		if c.Name == "bad" {
			panic("bad claw " + ev.Text)
		}
		return nil
	})
	bad, good := b.claw(t, "bad"), b.claw(t, "good")
	for i := range 3 {
		b.send(t, bad, fmt.Sprint("b", i))
	}
	ev, ch := b.send(t, good, "hello")
	wait(t, ch)
	got, _ := b.st.GetEvent(t.Context(), claw.Ref{Tenant: good.Tenant, Name: good.Name}, ev.ID)
	if got.Status != claw.EventCompleted || got.Reply != "re: hello" {
		t.Fatalf("good claw's event = %+v", got)
	}
	// The bad claw panics on its first event each time: after 3 crashes
	// (more than 2) it is parked.
	for range 2 {
		if parked := <-crashes; parked {
			t.Fatal("parked too early")
		}
	}
	if parked := <-crashes; !parked {
		t.Fatal("not parked after 3 crashes")
	}
	c, _ := b.st.GetClaw(t.Context(), claw.Ref{Tenant: bad.Tenant, Name: bad.Name})
	if c.State != claw.StateCrashloop || c.Restarts != 3 || c.LastError != "panic: bad claw b0" {
		t.Fatalf("crash-looping claw = %+v", c)
	}
	// Another claw still answers.
	_, ch = b.send(t, good, "still there")
	wait(t, ch)
}

func TestHibernateAndWake(t *testing.T) {
	t.Parallel()
	hibernated := make(chan claw.Ref, 4)
	b := setup(t, supervise.Config{IdleTimeout: time.Millisecond, OnHibernate: func(r claw.Ref) { hibernated <- r }}, func(claw.Claw, claw.Event) error { return nil })
	ref := b.claw(t, "sleepy")
	_, ch := b.send(t, ref, "one")
	wait(t, ch)
	if r := <-hibernated; r != ref {
		t.Fatalf("hibernated %v", r)
	}
	if n := b.sup.Active(); n != 0 {
		t.Fatalf("active actors after hibernation = %d", n)
	}
	if _, ok := b.sup.Status(ref); ok {
		t.Fatal("hibernated claw still has a status")
	}
	_, ch = b.send(t, ref, "two")
	wait(t, ch)
	<-hibernated
}

func TestStartResumesPending(t *testing.T) {
	t.Parallel()
	done := make(chan string, 2)
	b := setup(t, supervise.Config{}, func(_ claw.Claw, ev claw.Event) error { done <- ev.Text; return nil })
	ref := b.claw(t, "c")
	for _, text := range []string{"left", "behind"} {
		if _, _, err := b.st.Enqueue(t.Context(), ref, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: text, Session: "main", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.sup.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a, b := <-done, <-done; a != "left" || b != "behind" {
		t.Fatalf("resumed %q, %q", a, b)
	}
}

func TestParkedClawDoesNotRun(t *testing.T) {
	t.Parallel()
	ran := make(chan string, 1)
	b := setup(t, supervise.Config{}, func(_ claw.Claw, ev claw.Event) error { ran <- ev.Text; return nil })
	ref := b.claw(t, "parked")
	if err := b.st.SetClawState(t.Context(), ref, store.StateUpdate{State: claw.StatePaused, Restarts: -1}); err != nil {
		t.Fatal(err)
	}
	ev, _ := b.send(t, ref, "wait for me")
	_, ch := b.send(t, b.claw(t, "free"), "go")
	wait(t, ch)
	if text := <-ran; text != "go" {
		t.Fatalf("ran %q", text)
	}
	// The parked claw's event is still pending: its actor read the stored
	// state first and left.
	got, _ := b.st.GetEvent(t.Context(), ref, ev.ID)
	if got.Status != claw.EventPending {
		t.Fatalf("parked claw's event = %s", got.Status)
	}
	select {
	case text := <-ran:
		t.Fatalf("parked claw ran %q", text)
	default:
	}
}

// failingRunner records every event failed, as the agent does for a
// recovered panic, and reports the crash.
type failingRunner struct{ st store.Store }

func (r *failingRunner) RunNext(ctx context.Context, c claw.Claw, _ claw.RunControl) (int64, bool, error) {
	ev, run, ok, err := r.st.ClaimRun(ctx, c.Tenant, c)
	if err != nil || !ok {
		return 0, ok, err
	}
	if err := r.st.FinishRun(ctx, c.Tenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunFailed, Error: "panic: boom"}); err != nil {
		return ev.ID, true, err
	}
	return ev.ID, true, fmt.Errorf("panic: boom on %s", ev.Text)
}

// A claw whose actor hibernates between crashes keeps its crash count and
// restart count: the third crash within the window parks it.
func TestCrashCountSurvivesHibernation(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	crashes := make(chan bool, 8)
	hibernated := make(chan claw.Ref, 8)
	hub := wake.New()
	sup := supervise.New(st, hub, &failingRunner{st: st}, slog.New(slog.DiscardHandler), supervise.Config{
		MaxRestarts: 2, Within: time.Hour, IdleTimeout: time.Millisecond, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		OnCrash:     func(_ claw.Ref, _ error, parked bool) { crashes <- parked },
		OnHibernate: func(r claw.Ref) { hibernated <- r },
	})
	t.Cleanup(func() { sup.Stop(); st.Close() })
	b := &bundle{st: st, hub: hub, sup: sup}
	ref := b.claw(t, "flaky")
	for i := range 3 {
		_, ch := b.send(t, ref, fmt.Sprint("e", i))
		wait(t, ch)
		parked := <-crashes
		if want := i == 2; parked != want {
			t.Fatalf("crash %d: parked = %v, want %v", i+1, parked, want)
		}
		if !parked {
			select {
			case <-hibernated:
			case <-time.After(10 * time.Second):
				t.Fatal("actor did not hibernate between crashes")
			}
		}
	}
	c, _ := st.GetClaw(t.Context(), ref)
	if c.State != claw.StateCrashloop || c.Restarts != 3 {
		t.Fatalf("claw after 3 crashes across hibernation = state %s, restarts %d; want crashloop, 3", c.State, c.Restarts)
	}
	// reef restart gives a fresh count: one more crash does not park it.
	if _, err := sup.Restart(t.Context(), ref, "test"); err != nil {
		t.Fatal(err)
	}
	_, ch := b.send(t, ref, "after restart")
	wait(t, ch)
	if parked := <-crashes; parked {
		t.Fatal("parked on the first crash after a restart")
	}
}
