package scheduler

import (
	"context"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/store"
)

// Create stores a schedule the claw made itself (the schedule tool), at
// most max of them, and wakes the scheduler.
func (s *Scheduler) Create(ctx context.Context, tenant, clawName string, def claw.ScheduleSpec, max int) (store.Schedule, error) {
	rule, err := schedule.Compile(def)
	if err != nil {
		return store.Schedule{}, claw.Errorf(claw.EINVALID, "%v", err)
	}
	now := s.cfg.Clock.Now()
	next, ok := rule.First(now)
	if !ok {
		return store.Schedule{}, claw.Errorf(claw.EINVALID, "the schedule never fires")
	}
	if rule.OneShot() && !next.After(now) {
		return store.Schedule{}, claw.Errorf(claw.EINVALID, "at %s is in the past (now %s)", def.At, now.UTC().Format(time.RFC3339))
	}
	sc, err := s.store.CreateSchedule(ctx, tenant, store.Schedule{Claw: clawName, Kind: claw.KindSchedule, Def: def, NextFire: next}, max)
	if err != nil {
		return store.Schedule{}, err
	}
	s.Wake()
	return sc, nil
}

// Cancel removes a schedule the claw made; a spec's schedules are removed
// by applying a spec without them.
func (s *Scheduler) Cancel(ctx context.Context, tenant, clawName, name string) error {
	sc, err := s.store.GetSchedule(ctx, claw.Ref{Tenant: tenant, Name: clawName}, name)
	if err != nil {
		return err
	}
	if sc.Origin != schedule.OriginClaw {
		return claw.Errorf(claw.ECONFLICT, "schedule %q comes from the spec of claw %q: remove it there and apply", name, clawName)
	}
	if err := s.store.DeleteSchedule(ctx, claw.Ref{Tenant: tenant, Name: clawName}, name); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Trigger fires a schedule now, outside its timing; its next fire stays.
func (s *Scheduler) Trigger(ctx context.Context, tenant, clawName, name string) (claw.Event, error) {
	sc, err := s.store.GetSchedule(ctx, claw.Ref{Tenant: tenant, Name: clawName}, name)
	if err != nil {
		return claw.Event{}, err
	}
	now := s.cfg.Clock.Now()
	text := sc.Def.Prompt
	if sc.Kind == claw.KindHeartbeat {
		if text, _, err = s.heartbeat(ctx, sc, now, false); err != nil {
			return claw.Event{}, err
		}
	}
	session := sc.Def.Session
	if session == "" {
		session = claw.DefaultSession
	}
	f := store.Firing{Tenant: tenant, Claw: clawName, Schedule: name, Events: []store.FireEvent{{At: now, Attempt: 1, Event: claw.NewEvent{
		Kind: sc.Kind, IdempotencyKey: schedule.FireKey(name, now) + "/trigger", Session: session, Text: text}}}}
	res, err := s.store.FireSchedules(ctx, []store.Firing{f})
	if err != nil {
		return claw.Event{}, err
	}
	if len(res) == 0 || !res[0].Applied || len(res[0].Events) == 0 {
		return claw.Event{}, claw.Errorf(claw.ECONFLICT, "schedule %q was removed or already triggered at this instant", name)
	}
	s.notify(claw.Ref{Tenant: tenant, Name: clawName})
	return res[0].Events[0], nil
}

// SetPaused pauses or resumes a schedule. A resumed schedule fires next at
// its first time after now: what it would have fired while paused is not
// owed (a pending one-shot keeps its time).
func (s *Scheduler) SetPaused(ctx context.Context, tenant, clawName, name string, paused bool) (store.Schedule, error) {
	sc, err := s.store.GetSchedule(ctx, claw.Ref{Tenant: tenant, Name: clawName}, name)
	if err != nil {
		return store.Schedule{}, err
	}
	var next time.Time
	if !paused {
		if rule, err := schedule.Compile(sc.Def); err == nil && !rule.OneShot() {
			next, _ = rule.First(s.cfg.Clock.Now())
		}
	}
	if err := s.store.SetSchedulePaused(ctx, store.SchedulePause{Ref: claw.Ref{Tenant: tenant, Name: clawName}, Schedule: name, Paused: paused, Next: next}); err != nil {
		return store.Schedule{}, err
	}
	s.Wake()
	return s.store.GetSchedule(ctx, claw.Ref{Tenant: tenant, Name: clawName}, name)
}

// NextFires lists up to n coming fires of a stored schedule.
func NextFires(sc store.Schedule, n int) []time.Time {
	if sc.NextFire.IsZero() || sc.Paused {
		return nil
	}
	rule, err := schedule.Compile(sc.Def)
	if err != nil {
		return nil
	}
	out := []time.Time{sc.NextFire}
	for t := sc.NextFire; len(out) < n; {
		var ok bool
		if t, ok = rule.Next(t); !ok {
			break
		}
		out = append(out, t)
	}
	return out
}

// Now is the scheduler's clock.
func (s *Scheduler) Now() time.Time { return s.cfg.Clock.Now() }

// List returns a claw's schedules, from its spec and its own.
func (s *Scheduler) List(ctx context.Context, tenant, clawName string) ([]store.Schedule, error) {
	return s.store.ListSchedules(ctx, claw.Ref{Tenant: tenant, Name: clawName})
}
