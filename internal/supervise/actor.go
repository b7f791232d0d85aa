package supervise

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// actor processes one claw's mailbox. Its fields other than ref, s, wake,
// kick and halt are guarded by s.mu.
type actor struct {
	ref  claw.Ref
	s    *Supervisor
	wake chan struct{}
	kick chan struct{} // an operator's restart cuts a backoff short
	halt atomic.Bool   // stop the current run at its next step boundary

	state    claw.State
	lastErr  string
	restarts int
	crashes  []time.Time // within the intensity window
	policy   claw.Supervision
	seeded   bool // restarts taken from the store
}

// poke wakes the actor without blocking; one pending wake is enough.
func (a *actor) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *actor) setState(st claw.State, lastErr string) {
	a.s.mu.Lock()
	a.state = st
	if lastErr != "" {
		a.lastErr = lastErr
	}
	a.s.mu.Unlock()
}

func (a *actor) loop() {
	defer a.s.wg.Done()
	s := a.s
	for {
		err := a.drain()
		if err != nil && s.ctx.Err() == nil && !s.isStopping() {
			if park := a.crashed(err); park {
				a.exit()
				return
			}
			continue
		}
		if a.parked() {
			a.exit() // the stored state (paused, crashloop, ...) speaks for it
			return
		}
		if a.idle() {
			return
		}
	}
}

// parked reports whether drain stopped because the claw's stored state
// forbids running it.
func (a *actor) parked() bool {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	switch a.state {
	case claw.StatePaused, claw.StateDisabled, claw.StateCrashloop:
		return true
	}
	return false
}

// idle waits for a wake; it returns true when the actor hibernated (or the
// node is stopping) and has exited the actor table.
func (a *actor) idle() bool {
	s := a.s
	a.setState(claw.StateIdle, "")
	t := time.NewTimer(s.cfg.IdleTimeout)
	defer t.Stop()
	select {
	case <-a.wake:
		if !s.isStopping() {
			a.setState(claw.StateRunning, "")
			return false
		}
	case <-t.C:
	case <-s.ctx.Done():
	}
	s.mu.Lock()
	stopping := s.stopping
	if !stopping {
		select {
		case <-a.wake: // work arrived while the timer fired
			a.state = claw.StateRunning
			s.mu.Unlock()
			return false
		default:
		}
	}
	a.forget()
	s.mu.Unlock()
	if hook := s.cfg.OnHibernate; hook != nil && !stopping {
		hook(a.ref)
	}
	return true
}

// exit removes a parked actor (paused, disabled, crashloop) from the
// table. Its crash history goes: what takes a claw out of crashloop (a new
// spec, `reef restart`) gives it a fresh count.
func (a *actor) exit() {
	a.s.mu.Lock()
	delete(a.s.actors, a.ref)
	delete(a.s.crashHist, a.ref)
	a.s.mu.Unlock()
}

// forget removes a hibernating actor from the table, keeping its crashes
// within the intensity window for the claw's next actor, so that
// hibernating between crashes does not reset the count. s.mu is held.
func (a *actor) forget() {
	s := a.s
	delete(s.actors, a.ref)
	now := s.cfg.Clock.Now()
	window := a.policy.Within.Std()
	var keep []time.Time
	for _, t := range a.crashes {
		if now.Sub(t) < window {
			keep = append(keep, t)
		}
	}
	if len(keep) > 0 {
		s.crashHist[a.ref] = keep
	} else {
		delete(s.crashHist, a.ref)
	}
}

// drain processes events until the mailbox is empty, the claw is parked,
// or the node stops. Its error is a crash of the actor.
func (a *actor) drain() (err error) {
	s := a.s
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
			s.log.Error("claw actor panicked", "tenant", a.ref.Tenant, "claw", a.ref.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	for {
		if s.isStopping() || s.ctx.Err() != nil {
			return nil
		}
		a.halt.Store(false)
		c, err := s.store.GetClaw(s.ctx, a.ref)
		if claw.ErrorCode(err) == claw.ENOTFOUND {
			return nil // deleted
		}
		if err != nil {
			return fmt.Errorf("load claw: %w", err)
		}
		switch c.State {
		case claw.StatePaused, claw.StateDisabled, claw.StateCrashloop:
			a.setState(c.State, c.LastError)
			return nil
		}
		a.setPolicy(c.Spec.Supervision)
		a.seed(c)
		select {
		case s.workers <- struct{}{}:
		case <-s.ctx.Done():
			return nil
		}
		a.setState(claw.StateRunning, "")
		id, ok, err := a.runOne(c)
		<-s.workers
		if errors.Is(err, ErrHalted) {
			continue // paused or draining: the stored state decides
		}
		if ok {
			s.hub.Ended(a.ref, id)
		}
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
}

// runOne runs the claw's next event under a wedge watchdog.
func (a *actor) runOne(c claw.Claw) (int64, bool, error) {
	s := a.s
	wedge := a.policyNow().WedgeTimeout.Std()
	ctx, cancel := context.WithCancelCause(s.ctx)
	defer cancel(nil)
	w := newWatchdog(s.cfg.Clock, wedge, cancel)
	defer w.close()
	id, ok, err := s.runner.RunNext(ctx, c, &control{a: a, w: w})
	if errors.Is(context.Cause(ctx), errWedged) && s.ctx.Err() == nil {
		err = fmt.Errorf("wedged: no step progress for %s; the run was cancelled", wedge)
	}
	return id, ok, err
}

// control is the supervisor's side of one run (claw.RunControl).
type control struct {
	a *actor
	w *watchdog
}

var _ claw.RunControl = (*control)(nil)

// Step beats the wedge watchdog and halts the run when the claw was
// paused or the node is draining.
func (c *control) Step() error {
	c.w.beat()
	if c.a.halt.Load() || c.a.s.isStopping() {
		return ErrHalted
	}
	return nil
}

// Lend gives back the run's worker slot; the returned function takes one
// again, waiting until one is free.
func (c *control) Lend() (reclaim func()) {
	s := c.a.s
	<-s.workers
	return func() { s.workers <- struct{}{} }
}

// setPolicy takes the claw's supervision spec over the node's defaults.
// seed takes the stored restart count on the actor's first load of its
// claw, so that the count survives hibernation.
func (a *actor) seed(c claw.Claw) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if !a.seeded {
		a.restarts, a.seeded = max(a.restarts, c.Restarts), true
	}
}

func (a *actor) setPolicy(p claw.Supervision) {
	cfg := a.s.cfg
	if p.MaxRestarts == 0 {
		p.MaxRestarts = cfg.MaxRestarts
	}
	if p.Within == 0 {
		p.Within = claw.Duration(cfg.Within)
	}
	if p.WedgeTimeout == 0 {
		p.WedgeTimeout = claw.Duration(cfg.WedgeTimeout)
	}
	a.s.mu.Lock()
	a.policy = p
	a.s.mu.Unlock()
}

func (a *actor) policyNow() claw.Supervision {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if a.policy.MaxRestarts == 0 {
		cfg := a.s.cfg
		return claw.Supervision{MaxRestarts: cfg.MaxRestarts, Within: claw.Duration(cfg.Within), WedgeTimeout: claw.Duration(cfg.WedgeTimeout)}
	}
	return a.policy
}

// crashed records a crash, waits out the backoff, and reports whether the
// claw crashed too often and was parked in crashloop.
func (a *actor) crashed(err error) (park bool) {
	s := a.s
	pol := a.policyNow()
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	a.restarts++
	a.lastErr = err.Error()
	keep := a.crashes[:0]
	for _, t := range a.crashes {
		if now.Sub(t) < pol.Within.Std() {
			keep = append(keep, t)
		}
	}
	a.crashes = append(keep, now)
	park = len(a.crashes) > pol.MaxRestarts
	restarts, n := a.restarts, len(a.crashes)
	st := claw.StateBackoff
	if park {
		st = claw.StateCrashloop
	}
	a.state = st
	s.mu.Unlock()

	log := s.log.With("tenant", a.ref.Tenant, "claw", a.ref.Name)
	delay := backoff(s.cfg.BaseBackoff, s.cfg.MaxBackoff, n)
	rec := claw.AuditRecord{Actor: "supervisor", Action: "crash", Detail: fmt.Sprintf("restart %d in %s: %v", restarts, delay.Round(time.Millisecond), err)}
	if park {
		rec.Action, rec.Detail = "crashloop", fmt.Sprintf("%d crashes within %s: %v", n, pol.Within.Std(), err)
	}
	a.record(persisted(st), err.Error(), restarts, rec)
	if hook := s.cfg.OnCrash; hook != nil {
		hook(a.ref, err, park)
	}
	if park {
		log.Error("claw crash-looping; parked", "crashes", n, "within", pol.Within.Std(), "restarts", restarts, "err", err)
		return true
	}
	log.Warn("claw crashed; restarting", "err", err, "restarts", restarts, "backoff", delay)
	sleep(s.ctx, s.cfg.Clock, delay, a.kick)
	return false
}

// record stores a supervision transition with its audit record. A claw an
// operator paused or disabled meanwhile keeps that state; the record is
// written all the same.
func (a *actor) record(st claw.State, lastErr string, restarts int, rec claw.AuditRecord) {
	s := a.s
	ctx := context.WithoutCancel(s.ctx)
	_, err := s.store.ChangeClawState(ctx, a.ref, []claw.State{claw.StateIdle, claw.StateCrashloop},
		store.StateUpdate{State: st, LastError: lastErr, Restarts: restarts}, rec)
	if claw.ErrorCode(err) == claw.ECONFLICT {
		rec.Tenant, rec.Claw = a.ref.Tenant, a.ref.Name
		err = s.store.AppendAudit(ctx, rec)
	}
	if err != nil && claw.ErrorCode(err) != claw.ENOTFOUND {
		s.log.Error("record supervision transition", "tenant", a.ref.Tenant, "claw", a.ref.Name, "action", rec.Action, "err", err)
	}
}

// persisted maps a live state to what the store keeps: backoff is
// transient, so it is stored as idle with the error and count.
func persisted(st claw.State) claw.State {
	if st == claw.StateBackoff {
		return claw.StateIdle
	}
	return st
}

// backoff is base·2^(n-1), capped, with ±20 % jitter.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}
