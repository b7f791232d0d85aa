package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
)

func applySpec(t *testing.T, s store.Store, sp claw.Spec) store.ApplyResult {
	t.Helper()
	canon, err := spec.Canonical(sp)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.ApplyClaw(ctx(t), "default", sp, canon)
	if err != nil {
		t.Fatalf("ApplyClaw: %v", err)
	}
	return res
}

func scheduleNames(t *testing.T, s store.Store, name string) map[string]store.Schedule {
	t.Helper()
	list, err := s.ListSchedules(ctx(t), claw.Ref{Tenant: "default", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Schedule{}
	for _, sc := range list {
		out[sc.Name] = sc
	}
	return out
}

// testScheduleSync: applying a spec creates its schedules with a next
// fire; an unchanged schedule keeps it, a changed one is rescheduled, a
// removed one is deleted; claw-made schedules stay.
func testScheduleSync(t *testing.T, s store.Store) {
	sp := claw.Spec{Name: "c", Model: "p/m", Schedules: []claw.ScheduleSpec{
		{Name: "daily", Cron: "0 9 * * *", Prompt: "standup"},
		{Name: "tick", Every: claw.Duration(time.Hour), Prompt: "tick"},
	}, Heartbeat: &claw.Heartbeat{}}
	applySpec(t, s, sp)
	got := scheduleNames(t, s, "c")
	if len(got) != 3 || got["daily"].NextFire.IsZero() || got["tick"].NextFire.IsZero() || got["heartbeat"].Kind != claw.KindHeartbeat {
		t.Fatalf("schedules after apply = %+v", got)
	}
	if got["tick"].Origin != schedule.OriginSpec || got["tick"].Def.Prompt != "tick" {
		t.Fatalf("tick = %+v", got["tick"])
	}
	if _, err := s.CreateSchedule(ctx(t), "default", store.Schedule{Claw: "c", Def: claw.ScheduleSpec{Name: "self-1", At: "2030-01-01T00:00:00Z", Prompt: "x"},
		NextFire: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, 5); err != nil {
		t.Fatal(err)
	}
	tickNext := got["tick"].NextFire
	sp.Schedules = []claw.ScheduleSpec{{Name: "daily", Cron: "0 10 * * *", Prompt: "standup"}, {Name: "tick", Every: claw.Duration(time.Hour), Prompt: "tick"}}
	sp.Heartbeat = nil
	applySpec(t, s, sp)
	got = scheduleNames(t, s, "c")
	if len(got) != 3 || got["daily"].Def.Cron != "0 10 * * *" || !got["tick"].NextFire.Equal(tickNext) || got["self-1"].Origin != schedule.OriginClaw {
		t.Fatalf("schedules after change = %+v", got)
	}
	if _, ok := got["heartbeat"]; ok {
		t.Fatal("removed heartbeat still stored")
	}
	if err := s.DeleteClaw(ctx(t), claw.Ref{Tenant: "default", Name: "c"}); err != nil {
		t.Fatal(err)
	}
	if got := scheduleNames(t, s, "c"); len(got) != 0 {
		t.Fatalf("schedules after delete = %+v", got)
	}
}

// testScheduleCreateLimits: names are unique and max bounds claw-made
// schedules.
func testScheduleCreateLimits(t *testing.T, s store.Store) {
	mustApply(t, s, "default", "c", "p/m")
	mk := func(name string) error {
		_, err := s.CreateSchedule(ctx(t), "default", store.Schedule{Claw: "c", Def: claw.ScheduleSpec{Name: name, Every: claw.Duration(time.Minute), Prompt: "x"},
			NextFire: time.Now().Add(time.Minute)}, 2)
		return err
	}
	if err := mk("self-a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, mk("self-a"), claw.ECONFLICT)
	if err := mk("self-b"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, mk("self-c"), claw.ECONFLICT)
	_, err := s.CreateSchedule(ctx(t), "default", store.Schedule{Claw: "nope", Def: claw.ScheduleSpec{Name: "x"}}, 2)
	wantCode(t, err, claw.ENOTFOUND)
	if err := s.DeleteSchedule(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "self-a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteSchedule(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "self-a"), claw.ENOTFOUND)
	if err := mk("self-c"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetSchedule(ctx(t), claw.Ref{Tenant: "other", Name: "c"}, "self-b")
	wantCode(t, err, claw.ENOTFOUND)
}

// testScheduleFire: a firing enqueues its events once per key, moves the
// next fire only from the expected one, and is seen as due before.
func testScheduleFire(t *testing.T, s store.Store) {
	t0 := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	mustApply(t, s, "default", "c", "p/m")
	if _, err := s.CreateSchedule(ctx(t), "default", store.Schedule{Claw: "c", Def: claw.ScheduleSpec{Name: "self-e", Every: claw.Duration(time.Minute), Prompt: "x"},
		NextFire: t0}, 5); err != nil {
		t.Fatal(err)
	}
	at, ok, err := s.NextScheduleAt(ctx(t))
	if err != nil || !ok || !at.Equal(t0) {
		t.Fatalf("NextScheduleAt = %s, %v, %v; want %s", at, ok, err, t0)
	}
	due, err := s.DueSchedules(ctx(t), time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].Name != "self-e" {
		t.Fatalf("DueSchedules = %+v, %v", due, err)
	}
	firing := store.Firing{Tenant: "default", Claw: "c", Schedule: "self-e", Expect: t0, Next: t0.Add(time.Minute),
		Events: []store.FireEvent{{At: t0, Event: claw.NewEvent{Kind: claw.KindSchedule, IdempotencyKey: schedule.FireKey("self-e", t0), Session: "main", Text: "x"}}}}
	res, err := s.FireSchedules(ctx(t), []store.Firing{firing})
	if err != nil || len(res) != 1 || !res[0].Applied || len(res[0].Events) != 1 {
		t.Fatalf("FireSchedules = %+v, %v", res, err)
	}
	// A second node, or a replay after a crash, with the same expectation.
	res, err = s.FireSchedules(ctx(t), []store.Firing{firing})
	if err != nil || res[0].Applied {
		t.Fatalf("repeated firing = %+v, %v", res, err)
	}
	// A manual trigger at the same fire time enqueues nothing new.
	firing.Expect = time.Time{}
	res, err = s.FireSchedules(ctx(t), []store.Firing{firing})
	if err != nil || !res[0].Applied || len(res[0].Events) != 0 {
		t.Fatalf("same key again = %+v, %v", res, err)
	}
	sc, err := s.GetSchedule(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "self-e")
	if err != nil || sc.Fires != 1 || !sc.NextFire.Equal(t0.Add(time.Minute)) || sc.LastStatus != store.FirePending {
		t.Fatalf("schedule after fire = %+v, %v", sc, err)
	}
	if due, _ := s.DueSchedules(ctx(t), time.Now(), 10); len(due) != 0 {
		t.Fatalf("still due: %+v", due)
	}
	if err := s.SetSchedulePaused(ctx(t), store.SchedulePause{Ref: claw.Ref{Tenant: "default", Name: "c"}, Schedule: "self-e", Paused: true, Next: time.Time{}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.NextScheduleAt(ctx(t)); ok {
		t.Fatal("a paused schedule is due")
	}
	wantCode(t, s.SetSchedulePaused(ctx(t), store.SchedulePause{Ref: claw.Ref{Tenant: "default", Name: "c"}, Schedule: "nope", Paused: true, Next: time.Time{}}), claw.ENOTFOUND)
}

// testScheduleRetry: a failed scheduled run retries with backoff, then is
// dead; a completed heartbeat answering HEARTBEAT_OK is recorded so.
func testScheduleRetry(t *testing.T, s store.Store) {
	one := 1
	applySpec(t, s, claw.Spec{Name: "c", Model: "p/m", Schedules: []claw.ScheduleSpec{{Name: "r", Every: claw.Duration(time.Hour), Prompt: "go", Retries: &one}},
		Heartbeat: &claw.Heartbeat{}})
	fireNow := func(name, kind string, retryOf int64, attempt int) claw.Event {
		t.Helper()
		at := time.Now().Truncate(time.Millisecond)
		res, err := s.FireSchedules(ctx(t), []store.Firing{{Tenant: "default", Claw: "c", Schedule: name, Events: []store.FireEvent{{At: at, Attempt: attempt, RetryOf: retryOf,
			Event: claw.NewEvent{Kind: kind, IdempotencyKey: schedule.FireKey(name, at) + "/" + string(rune('0'+attempt)), Session: "main", Text: "go"}}}}})
		if err != nil || len(res[0].Events) != 1 {
			t.Fatalf("fire: %+v, %v", res, err)
		}
		return res[0].Events[0]
	}
	runAndEnd := func(ev claw.Event, status claw.RunStatus, reply, errText string) {
		t.Helper()
		c, err := s.GetClaw(ctx(t), claw.Ref{Tenant: "default", Name: "c"})
		if err != nil {
			t.Fatal(err)
		}
		got, run, ok, err := s.ClaimRun(ctx(t), "default", c)
		if err != nil || !ok || got.ID != ev.ID {
			t.Fatalf("ClaimRun = %d, %v, %v; want event %d", got.ID, ok, err, ev.ID)
		}
		if err := s.FinishRun(ctx(t), "default", store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: status, Reply: reply, Error: errText}); err != nil {
			t.Fatal(err)
		}
	}
	ev := fireNow("r", claw.KindSchedule, 0, 1)
	runAndEnd(ev, claw.RunFailed, "", "model down")
	fires, err := s.ScheduleFires(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "r", 10)
	if err != nil || len(fires) != 1 || fires[0].Status != store.FireRetrying || fires[0].RetryAt.IsZero() || fires[0].Error != "model down" {
		t.Fatalf("fires after failure = %+v, %v", fires, err)
	}
	at, ok, err := s.NextScheduleAt(ctx(t))
	if err != nil || !ok || at.After(fires[0].RetryAt) {
		t.Fatalf("NextScheduleAt = %s, %v, %v; want by %s", at, ok, err, fires[0].RetryAt)
	}
	due, err := s.DueRetries(ctx(t), fires[0].RetryAt, 10)
	if err != nil || len(due) != 1 || due[0].EventID != ev.ID || due[0].Text != "go" || due[0].Kind != claw.KindSchedule {
		t.Fatalf("DueRetries = %+v, %v", due, err)
	}
	retry := fireNow("r", claw.KindSchedule, ev.ID, 2)
	if due, _ := s.DueRetries(ctx(t), fires[0].RetryAt, 10); len(due) != 0 {
		t.Fatalf("retried fire still due: %+v", due)
	}
	runAndEnd(retry, claw.RunFailed, "", "still down")
	fires, _ = s.ScheduleFires(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "r", 10)
	if len(fires) != 2 || fires[0].Status != store.FireDead || fires[1].Status != store.FireRetried {
		b, _ := json.Marshal(fires)
		t.Fatalf("fires after second failure = %s", b)
	}
	sc, _ := s.GetSchedule(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "r")
	if sc.LastStatus != store.FireDead || sc.LastError != "still down" {
		t.Fatalf("schedule = %+v", sc)
	}
	hb := fireNow("heartbeat", claw.KindHeartbeat, 0, 1)
	runAndEnd(hb, claw.RunCompleted, claw.HeartbeatOK, "")
	if fires, _ := s.ScheduleFires(ctx(t), claw.Ref{Tenant: "default", Name: "c"}, "heartbeat", 1); len(fires) != 1 || fires[0].Status != store.FireHeartbeatOK {
		t.Fatalf("heartbeat fires = %+v", fires)
	}
	// An inbound message moves LastInbound.
	before, err := s.LastInbound(ctx(t), claw.Ref{Tenant: "default", Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	msg := enqueue(t, s, "default", "c", "m1", "hello")
	after, err := s.LastInbound(ctx(t), claw.Ref{Tenant: "default", Name: "c"})
	if err != nil || after.Before(before) || !after.Equal(msg.CreatedAt) {
		t.Fatalf("LastInbound = %s, %v (before %s, message at %s)", after, err, before, msg.CreatedAt)
	}
	_, err = s.LastInbound(ctx(t), claw.Ref{Tenant: "default", Name: "nope"})
	wantCode(t, err, claw.ENOTFOUND)
}
