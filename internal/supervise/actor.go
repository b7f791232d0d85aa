package supervise

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// actor processes one claw's mailbox. Its fields other than ref, s and wake
// are guarded by s.mu.
type actor struct {
	ref  claw.Ref
	s    *Supervisor
	wake chan struct{}

	state    claw.State
	lastErr  string
	restarts int
	crashes  []time.Time // within the intensity window
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
		if err != nil && s.ctx.Err() == nil {
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
		s.mu.Lock()
		stopping := s.stopping
		s.mu.Unlock()
		if !stopping {
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
	delete(s.actors, a.ref)
	s.mu.Unlock()
	if hook := s.cfg.OnHibernate; hook != nil && !stopping {
		hook(a.ref)
	}
	return true
}

func (a *actor) exit() {
	a.s.mu.Lock()
	delete(a.s.actors, a.ref)
	a.s.mu.Unlock()
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
		s.mu.Lock()
		stopping := s.stopping
		s.mu.Unlock()
		if stopping || s.ctx.Err() != nil {
			return nil
		}
		c, err := s.store.GetClaw(s.ctx, a.ref.Tenant, a.ref.Name)
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
		select {
		case s.workers <- struct{}{}:
		case <-s.ctx.Done():
			return nil
		}
		a.setState(claw.StateRunning, "")
		id, ok, err := s.runner.RunNext(s.ctx, c)
		<-s.workers
		if ok {
			s.ended(a.ref, id)
		}
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
}

// crashed records a crash, waits out the backoff, and reports whether the
// claw crashed too often and was parked in crashloop.
func (a *actor) crashed(err error) (park bool) {
	s := a.s
	now := time.Now()
	s.mu.Lock()
	a.restarts++
	a.lastErr = err.Error()
	keep := a.crashes[:0]
	for _, t := range a.crashes {
		if now.Sub(t) < s.cfg.Within {
			keep = append(keep, t)
		}
	}
	a.crashes = append(keep, now)
	park = len(a.crashes) > s.cfg.MaxRestarts
	restarts, n := a.restarts, len(a.crashes)
	st := claw.StateBackoff
	if park {
		st = claw.StateCrashloop
	}
	a.state = st
	s.mu.Unlock()

	log := s.log.With("tenant", a.ref.Tenant, "claw", a.ref.Name)
	if uerr := s.store.SetClawState(s.ctx, a.ref.Tenant, a.ref.Name, store.StateUpdate{State: persisted(st), LastError: err.Error(), Restarts: restarts}); uerr != nil && !errors.Is(uerr, context.Canceled) {
		log.Error("record crash", "err", uerr)
	}
	if hook := s.cfg.OnCrash; hook != nil {
		hook(a.ref, err, park)
	}
	if park {
		log.Error("claw crash-looping; parked", "crashes", n, "within", s.cfg.Within, "err", err)
		return true
	}
	delay := backoff(s.cfg.BaseBackoff, s.cfg.MaxBackoff, n)
	log.Warn("claw crashed; restarting", "err", err, "restarts", restarts, "backoff", delay)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
	}
	return false
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
