// Package supervise runs claws: one actor per active claw, started when its
// mailbox has work and stopped (hibernated) after an idle timeout, under a
// node-wide limit of concurrent runs. A claw's actor processes its mailbox
// in order, one event at a time; a panic or error inside it is caught at the
// claw's boundary and restarts that actor with backoff, never touching
// another claw. Waking is by the node's wake.Hub, which the supervisor
// drains: nothing polls. Its one contract with whoever runs events is
// Runner, which gets a claw.RunControl for each run.
//
// The Supervisor is the root of the node's tree (docs/supervision.md): node
// services (the outbox deliverer, the approval timer, the scheduler) are its children and
// are restarted when they panic or fail; below it, one actor per active
// claw. A run that reports no step progress for the claw's wedge timeout is
// cancelled and counted as a crash. More crashes than the spec's
// supervision.max_restarts within supervision.within park the claw in
// crashloop until its spec changes or it is restarted. Every stored
// transition is written to the audit log.
package supervise

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wake"
)

// Runner processes a claw's next event to its end (agent.Runner). ok is
// false when the mailbox is empty; eventID names the event processed. An
// error is a crash of the claw. The runner calls ctl.Step at every step
// boundary and returns its error (ErrHalted) unrecorded; ctl.Lend lends
// the run's worker slot while it waits for another claw.
type Runner interface {
	RunNext(ctx context.Context, c claw.Claw, ctl claw.RunControl) (eventID int64, ok bool, err error)
}

// Config tunes a Supervisor. Zero values take the defaults.
type Config struct {
	Workers     int           // concurrent runs on the node (default 64)
	IdleTimeout time.Duration // an idle actor hibernates after this (default 30s)
	Grace       time.Duration // Stop waits this long for runs to finish (default 10s)
	MaxRestarts int           // crashes within Within that park a claw (default 5)
	Within      time.Duration // default 60s
	BaseBackoff time.Duration // first restart delay (default 100ms)
	MaxBackoff  time.Duration // default 30s
	// WedgeTimeout cancels a run with no step progress for this long
	// (default 5m). A claw's spec overrides MaxRestarts, Within and
	// WedgeTimeout with its supervision key.
	WedgeTimeout time.Duration
	// Clock is the supervisor's time; nil is the real clock.
	Clock Clock

	// OnHibernate, when set, is called after a claw's actor exits for
	// idleness (for metrics and tests).
	OnHibernate func(claw.Ref)
	// OnCrash, when set, is called after a crash is recorded, with
	// parked true when it put the claw in crashloop.
	OnCrash func(ref claw.Ref, err error, parked bool)
	// OnServiceCrash, when set, is called after a node service crashed.
	OnServiceCrash func(name string, err error)
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.MaxRestarts <= 0 {
		c.MaxRestarts = 5
	}
	def(&c.IdleTimeout, 30*time.Second)
	def(&c.Grace, 10*time.Second)
	def(&c.Within, time.Minute)
	def(&c.BaseBackoff, 100*time.Millisecond)
	def(&c.MaxBackoff, 30*time.Second)
	def(&c.WedgeTimeout, claw.DefaultWedgeTimeout)
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	return c
}

// Store is what the supervisor keeps in the store: the claws it runs,
// which of them have pending events, and their supervision states.
type Store interface {
	store.Supervision
	// GetClaw is store.Claws.GetClaw.
	GetClaw(ctx context.Context, ref claw.Ref) (claw.Claw, error)
	// PendingClaws is store.Mailbox.PendingClaws.
	PendingClaws(ctx context.Context) ([]claw.Ref, error)
}

// Supervisor owns the actors of every claw active on this node.
type Supervisor struct {
	store  Store
	hub    *wake.Hub
	runner Runner
	log    *slog.Logger
	cfg    Config

	workers chan struct{} // a token per concurrent run
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	stopping bool
	actors   map[claw.Ref]*actor
	// crashHist holds the recent crash times of claws whose actor
	// hibernated or was parked, for their next actor.
	crashHist map[claw.Ref][]time.Time
	services  []*service
	svcWG     sync.WaitGroup
	dispatch  sync.WaitGroup // the hub's dispatcher
}

// New returns a Supervisor that runs the claws hub notifies and reports
// the end of their events to hub's watchers; Start makes it run.
func New(st Store, hub *wake.Hub, runner Runner, log *slog.Logger, cfg Config) *Supervisor {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Supervisor{
		store: st, hub: hub, runner: runner, log: log, cfg: cfg,
		workers:   make(chan struct{}, cfg.Workers),
		ctx:       ctx,
		cancel:    cancel,
		actors:    make(map[claw.Ref]*actor),
		crashHist: make(map[claw.Ref][]time.Time),
	}
}

// Start wakes every claw with unfinished events, resuming what a previous
// process left in flight, and from then on every claw the hub notifies.
func (s *Supervisor) Start(ctx context.Context) error {
	s.startServices()
	s.dispatch.Go(s.dispatchWakes)
	refs, err := s.store.PendingClaws(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		s.Notify(r)
	}
	if len(refs) > 0 {
		s.log.Info("resuming claws with unfinished events", "claws", len(refs))
	}
	return nil
}

// dispatchWakes starts or pokes the actors of the claws the hub was
// notified of, until the supervisor stops.
func (s *Supervisor) dispatchWakes() {
	for {
		select {
		case <-s.hub.Woken():
			for _, ref := range s.hub.Take() {
				s.Notify(ref)
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// Stop lets running events finish for up to the grace period, then cancels
// what is still running (it resumes on the next start) and waits for every
// actor to exit. It is safe to call twice.
func (s *Supervisor) Stop() {
	s.mu.Lock()
	s.stopping = true
	for _, a := range s.actors {
		a.poke()
		kick(a) // out of a restart backoff
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(s.cfg.Grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("grace period over; cancelling runs in flight", "grace", s.cfg.Grace)
	}
	s.cancel()
	<-done
	s.svcWG.Wait()
	s.dispatch.Wait()
}

// Notify tells the claw's actor that its mailbox has work, starting the
// actor if the claw is hibernating. Everything outside the supervisor
// notifies through the hub; Notify is its synchronous form.
func (s *Supervisor) Notify(ref claw.Ref) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	if a, ok := s.actors[ref]; ok {
		a.poke()
		return
	}
	a := &actor{ref: ref, s: s, wake: make(chan struct{}, 1), kick: make(chan struct{}, 1), state: claw.StateRunning,
		crashes: s.crashHist[ref]}
	delete(s.crashHist, ref)
	s.actors[ref] = a
	s.wg.Add(1)
	go a.loop()
}

// ErrHalted ends a run attempt at a step boundary, unrecorded, to be
// resumed later: the node is draining, or the claw was paused. The
// run's RunControl.Step returns it.
var ErrHalted = errors.New("run halted at a step boundary")

var errWedged = errors.New("wedged")

func (s *Supervisor) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// Status is a claw's live supervision state on this node.
type Status struct {
	State     claw.State
	LastError string
	Restarts  int
}

// Status returns the live state of a claw's actor; ok is false when the
// claw has no actor here (it is hibernating, or parked as its stored state
// says).
func (s *Supervisor) Status(ref claw.Ref) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.actors[ref]
	if !ok {
		return Status{}, false
	}
	return Status{State: a.state, LastError: a.lastErr, Restarts: a.restarts}, true
}

// Active counts the claws that have an actor.
func (s *Supervisor) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.actors)
}
