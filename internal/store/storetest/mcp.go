package storetest

import (
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// testHopTrace: an event's claw-to-claw trace is stored, read back and
// copied to its run.
func testHopTrace(t *testing.T, s store.Store) {
	c := mustApply(t, s, claw.DefaultTenant, "b", "p/m").Claw
	hop := claw.Hop{ParentClaw: "a", ParentRunID: 7, ParentEventID: 9, Hops: 2}
	e, created, err := s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, claw.NewEvent{Kind: claw.KindAsk, IdempotencyKey: "ask-7", Session: "claw:a", Text: "q", Hop: hop})
	if err != nil || !created || e.Hop != hop || e.Kind != claw.KindAsk {
		t.Fatalf("Enqueue = %+v, %v, %v", e, created, err)
	}
	got, err := s.GetEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, e.ID)
	if err != nil || got.Hop != hop {
		t.Fatalf("GetEvent = %+v, %v", got, err)
	}
	_, run, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	if err != nil || !ok || run.Hop != hop {
		t.Fatalf("ClaimRun run = %+v, %v, %v", run, ok, err)
	}
	runs, err := s.ListRuns(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, 10)
	if err != nil || len(runs) != 1 || runs[0].Hop != hop {
		t.Fatalf("ListRuns = %+v, %v", runs, err)
	}
	plain := enqueue(t, s, claw.DefaultTenant, "b", "k", "x")
	if plain.Hop != (claw.Hop{}) {
		t.Fatalf("event from outside has a trace: %+v", plain.Hop)
	}
}

// testSessionsLimit: sessions listed most recent first with their size,
// limited, per tenant, ENOTFOUND for an unknown claw.
func testSessionsLimit(t *testing.T, s store.Store) {
	c := mustApply(t, s, claw.DefaultTenant, "a", "p/m").Claw
	if err := s.EnsureTenant(ctx(t), "other"); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, "other", "a", "p/m")
	if ss, err := s.ListSessions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 10); err != nil || len(ss) != 0 {
		t.Fatalf("ListSessions on fresh claw = %+v, %v", ss, err)
	}
	for i, sess := range []string{"s1", "s2", "s1"} {
		if _, _, err := s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: string(rune('a' + i)), Session: sess, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		ev, run, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
		if err != nil || !ok {
			t.Fatalf("ClaimRun: %v %v", ok, err)
		}
		if err := s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted}); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.ListSessions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 10)
	if err != nil || len(ss) != 2 || ss[0].Session != "s1" || ss[0].Messages != 2 || ss[1].Session != "s2" || ss[1].Messages != 1 || ss[0].UpdatedAt.IsZero() {
		t.Fatalf("ListSessions = %+v, %v", ss, err)
	}
	if ss, _ := s.ListSessions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 1); len(ss) != 1 {
		t.Fatalf("ListSessions limit 1 = %d sessions", len(ss))
	}
	if ss, err := s.ListSessions(ctx(t), claw.Ref{Tenant: "other", Name: "a"}, 10); err != nil || len(ss) != 0 {
		t.Fatalf("other tenant's sessions = %+v, %v", ss, err)
	}
	_, err = s.ListSessions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "missing"}, 10)
	wantCode(t, err, claw.ENOTFOUND)
}
