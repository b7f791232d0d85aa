// Package scheduler fires claws' schedules durably. One goroutine sleeps on
// one timer until the earliest next fire stored in the store (or a spec
// change wakes it), then fires every due schedule: in one transaction per
// batch it enqueues each firing's events, keyed by (claw, schedule, fire
// time), and moves the schedule's next fire on, so that a kill -9 at any
// point neither loses a fire nor fires it twice. It then notifies the
// supervisor of the claws that got work. Failed scheduled runs come back
// as due retries (the store settles them where runs end).
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsfs"
)

// Clock is the scheduler's time: the real one, or a fake in tests.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed, and a
	// function that stops the timer.
	After(d time.Duration) (<-chan time.Time, func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Config tunes a Scheduler. Zero values take the defaults.
type Config struct {
	Clock Clock // default: real time
	// Batch is how many schedules one transaction fires (default 500).
	Batch int
	// Workspace returns a claw's workspace directory (the node's
	// wsplace.Policy.Dir), where a heartbeat without a prompt reads
	// HEARTBEAT.md; nil or an error (a workspace the node does not
	// allow) gives the default heartbeat prompt, reading nothing.
	Workspace func(claw.Claw) (string, error)
	// Coalesce is added to each sleep so that one pass fires the
	// schedules due within that span together (default 5ms; negative:
	// none). It bounds the passes per second under dense schedules.
	Coalesce time.Duration
	// ErrorBackoff is the wait after a failed pass (default 1s).
	ErrorBackoff time.Duration
	// OnFire, when set, is called for each fired event with its fire time
	// and when its transaction committed (lateness, for benchmarks).
	OnFire func(scheduled, committed time.Time)
}

// DefaultHeartbeatPrompt is a heartbeat's prompt when the spec gives none
// and the workspace has no HEARTBEAT.md.
const DefaultHeartbeatPrompt = "Heartbeat: check whether anything needs your attention now. If nothing does, reply exactly " + claw.HeartbeatOK + "."

// idleRecheck is the longest the scheduler sleeps without looking at the
// store: a safety net for a change no Wake announced (another node's).
const idleRecheck = time.Hour

// maxHeartbeatFile bounds the HEARTBEAT.md read as a prompt.
const maxHeartbeatFile = 64 << 10

// Store is what the scheduler keeps in the store: schedules and their
// fires, and of each claw its spec and its last inbound message.
type Store interface {
	store.Schedules
	// GetClaw is store.Claws.GetClaw.
	GetClaw(ctx context.Context, ref claw.Ref) (claw.Claw, error)
	// LastInbound is store.Mailbox.LastInbound.
	LastInbound(ctx context.Context, ref claw.Ref) (time.Time, error)
}

// Scheduler fires schedules. Start it once; Stop is safe to call twice.
type Scheduler struct {
	store  Store
	notify func(claw.Ref)
	log    *slog.Logger
	cfg    Config

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New returns a Scheduler that tells notify about claws it gave work.
func New(st Store, notify func(claw.Ref), log *slog.Logger, cfg Config) *Scheduler {
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	switch {
	case cfg.Coalesce == 0:
		cfg.Coalesce = 5 * time.Millisecond
	case cfg.Coalesce < 0:
		cfg.Coalesce = 0
	}
	if cfg.ErrorBackoff <= 0 {
		cfg.ErrorBackoff = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{store: st, notify: notify, log: log, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Start runs the scheduler until Stop: it first fires what came due while
// the node was down (by each schedule's catchup).
func (s *Scheduler) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	go s.loop(ctx)
}

// Stop stops the scheduler and waits for its pass to end.
func (s *Scheduler) Stop() {
	s.once.Do(func() {
		if s.cancel == nil {
			return
		}
		s.cancel()
		<-s.done
	})
}

// Wake makes the scheduler look at the store again (a spec or schedule
// changed).
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Serve runs the scheduler until ctx ends: the scheduler as a supervised
// node service (supervise.Service).
func (s *Scheduler) Serve(ctx context.Context) error {
	s.run(ctx)
	return nil
}

func (s *Scheduler) loop(ctx context.Context) {
	defer close(s.done)
	s.run(ctx)
}

func (s *Scheduler) run(ctx context.Context) {
	for {
		wait, ok, err := s.pass(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("scheduler pass failed", "err", err)
			wait, ok = s.cfg.ErrorBackoff, true
		}
		if !ok {
			wait = idleRecheck
		}
		timer, stop := s.cfg.Clock.After(min(max(wait, 0)+s.cfg.Coalesce, idleRecheck))
		select {
		case <-timer:
		case <-s.wake:
		case <-ctx.Done():
			stop()
			return
		}
		stop()
	}
}

// pass fires everything due and returns the wait until the next fire; ok
// is false when nothing is scheduled.
func (s *Scheduler) pass(ctx context.Context) (time.Duration, bool, error) {
	for {
		now := s.cfg.Clock.Now()
		due, err := s.store.DueSchedules(ctx, now, s.cfg.Batch)
		if err != nil {
			return 0, false, err
		}
		firings := make([]store.Firing, 0, len(due))
		for _, sc := range due {
			f, err := s.plan(ctx, sc, now)
			if err != nil {
				return 0, false, err
			}
			firings = append(firings, f)
		}
		retries, err := s.store.DueRetries(ctx, now, s.cfg.Batch)
		if err != nil {
			return 0, false, err
		}
		for _, r := range retries {
			firings = append(firings, retryFiring(r))
		}
		if err := s.apply(ctx, firings); err != nil {
			return 0, false, err
		}
		if len(due) < s.cfg.Batch && len(retries) < s.cfg.Batch {
			break
		}
	}
	next, ok, err := s.store.NextScheduleAt(ctx)
	if err != nil || !ok {
		return 0, false, err
	}
	return next.Sub(s.cfg.Clock.Now()), true, nil
}

func (s *Scheduler) apply(ctx context.Context, firings []store.Firing) error {
	if len(firings) == 0 {
		return nil
	}
	res, err := s.store.FireSchedules(ctx, firings)
	if err != nil {
		return fmt.Errorf("fire schedules: %w", err)
	}
	committed := s.cfg.Clock.Now()
	woken := map[claw.Ref]bool{}
	for i, r := range res {
		f := firings[i]
		for _, e := range r.Events {
			ref := claw.Ref{Tenant: f.Tenant, Name: f.Claw}
			if !woken[ref] {
				woken[ref] = true
				s.notify(ref)
			}
			if s.cfg.OnFire != nil {
				for _, fe := range f.Events {
					if fe.Event.IdempotencyKey == e.IdempotencyKey {
						s.cfg.OnFire(fe.At, committed)
					}
				}
			}
			s.log.Debug("schedule fired", "tenant", f.Tenant, "claw", f.Claw, "schedule", f.Schedule, "event", e.ID)
		}
	}
	return nil
}

// plan turns a due schedule into its firing.
func (s *Scheduler) plan(ctx context.Context, sc store.Schedule, now time.Time) (store.Firing, error) {
	f := store.Firing{Tenant: sc.Tenant, Claw: sc.Claw, Schedule: sc.Name, Expect: sc.NextFire}
	rule, err := schedule.Compile(sc.Def)
	if err != nil {
		// A stored definition that no longer compiles (a zone removed
		// from tzdata): stop it, visibly.
		f.Status = "invalid: " + err.Error()
		return f, nil
	}
	p := rule.Plan(sc.NextFire, now, sc.Def.Catchup)
	f.Next, f.Skipped = p.Next, p.Skipped
	if len(p.Fires) == 0 {
		f.Status = "skipped: missed while the node was down"
		return f, nil
	}
	text := sc.Def.Prompt
	if sc.Kind == claw.KindHeartbeat {
		var idle bool
		if text, idle, err = s.heartbeat(ctx, sc, now, true); err != nil {
			return f, err
		}
		if idle {
			f.Skipped += len(p.Fires)
			f.Status = "skipped: idle (no inbound message within idle_after)"
			return f, nil
		}
	}
	session := sc.Def.Session
	if session == "" {
		session = claw.DefaultSession
	}
	for _, at := range p.Fires {
		f.Events = append(f.Events, store.FireEvent{At: at, Attempt: 1, Event: claw.NewEvent{
			Kind: sc.Kind, IdempotencyKey: schedule.FireKey(sc.Name, at), Session: session, Text: text}})
	}
	return f, nil
}

// heartbeat returns a heartbeat's prompt, or idle when the claw had no
// inbound message for idle_after (checked only when checkIdle).
func (s *Scheduler) heartbeat(ctx context.Context, sc store.Schedule, now time.Time, checkIdle bool) (string, bool, error) {
	c, err := s.store.GetClaw(ctx, claw.Ref{Tenant: sc.Tenant, Name: sc.Claw})
	if err != nil {
		return "", false, err
	}
	if checkIdle {
		last, err := s.store.LastInbound(ctx, claw.Ref{Tenant: sc.Tenant, Name: sc.Claw})
		if err != nil {
			return "", false, err
		}
		if now.Sub(last) > schedule.IdleAfter(c.Spec.Heartbeat) {
			return "", true, nil
		}
	}
	if sc.Def.Prompt != "" {
		return sc.Def.Prompt, false, nil
	}
	if dir := s.workspaceDir(c); dir != "" {
		b, _, err := wsfs.ReadFile(dir, "HEARTBEAT.md", maxHeartbeatFile)
		switch {
		case err == nil && strings.TrimSpace(string(b)) != "":
			return string(b), false, nil
		case err != nil && !errors.Is(err, os.ErrNotExist):
			s.log.Warn("read HEARTBEAT.md", "tenant", sc.Tenant, "claw", sc.Claw, "err", err)
		}
	}
	return DefaultHeartbeatPrompt, false, nil
}

// workspaceDir is c's workspace directory, "" when the scheduler knows
// none or the node does not allow it (the claw's run reports why).
func (s *Scheduler) workspaceDir(c claw.Claw) string {
	if s.cfg.Workspace == nil {
		return ""
	}
	dir, err := s.cfg.Workspace(c)
	if err != nil {
		s.log.Warn("HEARTBEAT.md not read", "tenant", c.Tenant, "claw", c.Name, "err", err)
		return ""
	}
	return dir
}

func retryFiring(r store.ScheduleFire) store.Firing {
	return store.Firing{Tenant: r.Tenant, Claw: r.Claw, Schedule: r.Schedule, Events: []store.FireEvent{{
		At: r.FireAt, Attempt: r.Attempt + 1, RetryOf: r.EventID,
		Event: claw.NewEvent{Kind: r.Kind, Session: r.Session, Text: r.Text,
			IdempotencyKey: fmt.Sprintf("%s/retry/%d", schedule.FireKey(r.Schedule, r.FireAt), r.Attempt+1)},
	}}}
}
