package httpapi

import (
	"net/http"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/store"
)

func scheduleView(sc store.Schedule) api.ScheduleView {
	next := scheduler.NextFires(sc, 3)
	if next == nil {
		next = []time.Time{}
	}
	return api.ScheduleView{Schedule: wireSchedule(sc), Timing: schedule.Describe(sc.Def), Next: next}
}

// wireSchedule is a stored schedule as the API shows it.
func wireSchedule(sc store.Schedule) api.Schedule {
	return api.Schedule{Claw: sc.Claw, Name: sc.Name, Origin: sc.Origin, Kind: sc.Kind, Def: sc.Def, Paused: sc.Paused,
		NextFire: sc.NextFire, Fires: sc.Fires, Skipped: sc.Skipped, LastFire: sc.LastFire, LastEvent: sc.LastEvent,
		LastStatus: sc.LastStatus, LastError: sc.LastError, CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt}
}

// wireFires are stored fires as the API shows them.
func wireFires(fs []store.ScheduleFire) []api.ScheduleFire {
	var out []api.ScheduleFire
	for _, f := range fs {
		out = append(out, api.ScheduleFire{EventID: f.EventID, Claw: f.Claw, Schedule: f.Schedule, FireAt: f.FireAt, Attempt: f.Attempt,
			Status: f.Status, Error: f.Error, RetryAt: f.RetryAt, CreatedAt: f.CreatedAt, FinishedAt: f.FinishedAt})
	}
	return out
}

func (s *Server) scheduler() (*scheduler.Scheduler, error) {
	if s.Scheduler == nil {
		return nil, claw.Errorf(claw.EUNAVAILABLE, "this node runs no scheduler")
	}
	return s.Scheduler, nil
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name := r.PathValue("name")
	if _, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}); err != nil {
		return err
	}
	list, err := s.Store.ListSchedules(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name})
	if err != nil {
		return err
	}
	out := make([]api.ScheduleView, 0, len(list))
	for _, sc := range list {
		out = append(out, scheduleView(sc))
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
	return nil
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	name, sched := r.PathValue("name"), r.PathValue("schedule")
	sc, err := s.Store.GetSchedule(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, sched)
	if err != nil {
		return err
	}
	v := scheduleView(sc)
	fires, err := s.Store.ScheduleFires(r.Context(), claw.Ref{Tenant: tok.Tenant, Name: name}, sched, 20)
	if err != nil {
		return err
	}
	v.Recent = wireFires(fires)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) cancelSchedule(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	name, sched := r.PathValue("name"), r.PathValue("schedule")
	if err := sch.Cancel(r.Context(), tok.Tenant, name, sched); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"cancelled": sched})
	return nil
}

func (s *Server) triggerSchedule(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	ev, err := sch.Trigger(r.Context(), tok.Tenant, r.PathValue("name"), r.PathValue("schedule"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, api.NewEventResponse(ev))
	return nil
}

func (s *Server) pauseSchedule(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.setSchedulePaused(w, r, tok, true)
}

func (s *Server) resumeSchedule(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	return s.setSchedulePaused(w, r, tok, false)
}

func (s *Server) setSchedulePaused(w http.ResponseWriter, r *http.Request, tok store.Token, paused bool) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	sc, err := sch.SetPaused(r.Context(), tok.Tenant, r.PathValue("name"), r.PathValue("schedule"), paused)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleView(sc))
	return nil
}

// scheduleRoutes list, cancel, trigger, pause and resume schedules.
func (s *Server) scheduleRoutes(t *routeTable) {
	t.token("GET /v1/claws/{name}/schedules", claw.ActRead, s.listSchedules)
	t.token("GET /v1/claws/{name}/schedules/{schedule}", claw.ActRead, s.getSchedule)
	t.token("DELETE /v1/claws/{name}/schedules/{schedule}", claw.ActOperate, s.cancelSchedule)
	t.token("POST /v1/claws/{name}/schedules/{schedule}/trigger", claw.ActOperate, s.triggerSchedule)
	t.token("POST /v1/claws/{name}/schedules/{schedule}/pause", claw.ActOperate, s.pauseSchedule)
	t.token("POST /v1/claws/{name}/schedules/{schedule}/resume", claw.ActOperate, s.resumeSchedule)
}
