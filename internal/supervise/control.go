package supervise

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// Pause parks a claw: a run in progress stops at its next step boundary
// (it resumes from there on Resume) and no event runs until Resume or
// Restart. Pausing a paused claw changes nothing. by names the operator
// for the audit log.
func (s *Supervisor) Pause(ctx context.Context, ref claw.Ref, by string) (claw.Claw, error) {
	cur, err := s.store.GetClaw(ctx, ref)
	if err != nil {
		return cur, err
	}
	if cur.State == claw.StatePaused {
		return cur, nil
	}
	c, err := s.store.ChangeClawState(ctx, ref, []claw.State{claw.StateIdle, claw.StateCrashloop},
		store.StateUpdate{State: claw.StatePaused, LastError: cur.LastError, Restarts: -1}, claw.AuditRecord{Actor: by, Action: "pause"})
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	if a, ok := s.actors[ref]; ok {
		a.halt.Store(true)
		a.poke()
		kick(a)
	}
	s.mu.Unlock()
	s.log.Info("claw paused", "tenant", ref.Tenant, "claw", ref.Name, "by", by)
	return c, nil
}

// Resume lets a paused claw run its mailbox again (ECONFLICT when it is
// not paused).
func (s *Supervisor) Resume(ctx context.Context, ref claw.Ref, by string) (claw.Claw, error) {
	cur, err := s.store.GetClaw(ctx, ref)
	if err != nil {
		return cur, err
	}
	c, err := s.store.ChangeClawState(ctx, ref, []claw.State{claw.StatePaused},
		store.StateUpdate{State: claw.StateIdle, LastError: cur.LastError, Restarts: -1}, claw.AuditRecord{Actor: by, Action: "resume"})
	if claw.ErrorCode(err) == claw.ECONFLICT {
		return c, claw.Errorf(claw.ECONFLICT, "claw %q is %s, not paused (use restart for a crash-looping claw)", ref.Name, cur.State)
	}
	if err != nil {
		return c, err
	}
	s.log.Info("claw resumed", "tenant", ref.Tenant, "claw", ref.Name, "by", by)
	s.Notify(ref)
	return c, nil
}

// Restart clears a claw's crash history (restart count, last error, the
// intensity window) and runs it again: out of crashloop, out of paused,
// or at once when it waits in backoff.
func (s *Supervisor) Restart(ctx context.Context, ref claw.Ref, by string) (claw.Claw, error) {
	cur, err := s.store.GetClaw(ctx, ref)
	if err != nil {
		return cur, err
	}
	c, err := s.store.ChangeClawState(ctx, ref, []claw.State{claw.StateIdle, claw.StateCrashloop, claw.StatePaused},
		store.StateUpdate{State: claw.StateIdle, Restarts: 0}, claw.AuditRecord{Actor: by, Action: "restart", Detail: "from " + string(cur.State)})
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	delete(s.crashHist, ref)
	if a, ok := s.actors[ref]; ok {
		a.restarts, a.crashes, a.lastErr = 0, nil, ""
		kick(a)
	}
	s.mu.Unlock()
	s.log.Info("claw restarted", "tenant", ref.Tenant, "claw", ref.Name, "by", by, "from", cur.State)
	s.Notify(ref)
	return c, nil
}

func kick(a *actor) {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}
