// Package storetest is the conformance suite every store backend must
// pass: Exercise runs the same tests against a fresh store per test.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// Opener returns a fresh, empty, migrated store, closed by the test's
// cleanup.
type Opener func(t *testing.T) store.Store

// Exercise runs the conformance suite.
func Exercise(t *testing.T, open Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Tokens", testTokens},
		{"TokenRevoke", testTokenRevoke},
		{"Tenants", testTenants},
		{"DeleteTenant", testDeleteTenant},
		{"ApplyVersions", testApplyVersions},
		{"ApplyResetsCrashloop", testApplyResetsCrashloop},
		{"GetListDelete", testGetListDelete},
		{"TenantIsolation", testTenantIsolation},
		{"EnqueueIdempotent", testEnqueueIdempotent},
		{"EnqueueConcurrent", testEnqueueConcurrent},
		{"NextEventOrder", testNextEventOrder},
		{"RunLifecycle", testRunLifecycle},
		{"RunResume", testRunResume},
		{"ClaimRun", testClaimRun},
		{"StepSequence", testStepSequence},
		{"SessionLimit", testSessionLimit},
		{"Outbox", testOutbox},
		{"ClawState", testClawState},
		{"ChangeClawState", testChangeClawState},
		{"Audit", testAudit},
		{"Approvals", testApprovals},
		{"ScheduleSync", testScheduleSync},
		{"ScheduleCreateLimits", testScheduleCreateLimits},
		{"ScheduleFire", testScheduleFire},
		{"ScheduleRetry", testScheduleRetry},
		{"HopTrace", testHopTrace},
		{"SessionsLimit", testSessionsLimit},
		{"SessionContext", testSessionContext},
		{"ListSessions", testListSessions},
		{"Memory", testMemory},
		{"MemoryIsolation", testMemoryIsolation},
		{"MemoryFiles", testMemoryFiles},
		{"SandboxSlots", testSandboxSlots},
		{"WorkspaceClaws", testWorkspaceClaws},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustApply(t *testing.T, s store.Store, tenant, name, model string) store.ApplyResult {
	t.Helper()
	spec := claw.Spec{Name: name, Model: model}
	res, err := s.ApplyClaw(ctx(t), tenant, spec, []byte(fmt.Sprintf(`{"model":%q,"name":%q}`, model, name)))
	if err != nil {
		t.Fatalf("ApplyClaw: %v", err)
	}
	return res
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := claw.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func enqueue(t *testing.T, s store.Store, tenant, name, key, text string) claw.Event {
	t.Helper()
	e, created, err := s.Enqueue(ctx(t), claw.Ref{Tenant: tenant, Name: name}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: key, Session: claw.DefaultSession, Text: text})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if !created {
		t.Fatalf("Enqueue(%q): created = false", key)
	}
	return e
}

func testApplyVersions(t *testing.T, s store.Store) {
	res := mustApply(t, s, claw.DefaultTenant, "a", "p/m1")
	if !res.Created || !res.Changed || res.Claw.Version != 1 || res.Claw.State != claw.StateIdle {
		t.Fatalf("first apply = %+v", res)
	}
	res = mustApply(t, s, claw.DefaultTenant, "a", "p/m1")
	if res.Created || res.Changed || res.Claw.Version != 1 {
		t.Fatalf("unchanged apply = %+v", res)
	}
	res = mustApply(t, s, claw.DefaultTenant, "a", "p/m2")
	if res.Created || !res.Changed || res.Unparked || res.Claw.Version != 2 || res.Previous.Model != "p/m1" || res.Claw.Spec.Model != "p/m2" {
		t.Fatalf("changed apply = %+v", res)
	}
	vs, err := s.ClawVersions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if err != nil || len(vs) != 2 || vs[0].Spec.Model != "p/m1" || vs[1].Version != 2 {
		t.Fatalf("ClawVersions = %+v, %v", vs, err)
	}
	_, err = s.ClawVersions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "missing"})
	wantCode(t, err, claw.ENOTFOUND)
}

func testApplyResetsCrashloop(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m1")
	if err := s.SetClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, store.StateUpdate{State: claw.StateCrashloop, LastError: "boom", Restarts: 5}); err != nil {
		t.Fatal(err)
	}
	res := mustApply(t, s, claw.DefaultTenant, "a", "p/m2")
	if res.Claw.State != claw.StateIdle || res.Claw.Restarts != 0 || !res.Unparked {
		t.Fatalf("apply after crashloop: state %s restarts %d", res.Claw.State, res.Claw.Restarts)
	}
}

func testGetListDelete(t *testing.T, s store.Store) {
	for _, n := range []string{"b", "a", "c"} {
		mustApply(t, s, claw.DefaultTenant, n, "p/m")
	}
	cs, err := s.ListClaws(ctx(t), claw.DefaultTenant)
	if err != nil || len(cs) != 3 || cs[0].Name != "a" || cs[2].Name != "c" {
		t.Fatalf("ListClaws = %+v, %v", cs, err)
	}
	if n, err := s.CountClaws(ctx(t)); err != nil || n != 3 {
		t.Fatalf("CountClaws = %d, %v", n, err)
	}
	e := enqueue(t, s, claw.DefaultTenant, "b", "k1", "hi")
	if err := s.DeleteClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"})
	wantCode(t, err, claw.ENOTFOUND)
	_, err = s.GetEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, e.ID)
	wantCode(t, err, claw.ENOTFOUND)
	wantCode(t, s.DeleteClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}), claw.ENOTFOUND)
	// A claw re-created under the same name starts empty.
	mustApply(t, s, claw.DefaultTenant, "b", "p/m")
	if _, ok, err := s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}); ok || err != nil {
		t.Fatalf("NextEvent on re-created claw = %v, %v", ok, err)
	}
}

func testTenantIsolation(t *testing.T, s store.Store) {
	if err := s.EnsureTenant(ctx(t), "t2"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTenant(ctx(t), "t2"); err != nil {
		t.Fatalf("EnsureTenant twice: %v", err)
	}
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	mustApply(t, s, "t2", "a", "p/other")
	e := enqueue(t, s, claw.DefaultTenant, "a", "k", "default's")
	_, err := s.GetEvent(ctx(t), claw.Ref{Tenant: "t2", Name: "a"}, e.ID)
	wantCode(t, err, claw.ENOTFOUND)
	if _, ok, _ := s.NextEvent(ctx(t), claw.Ref{Tenant: "t2", Name: "a"}); ok {
		t.Fatal("t2 sees default's event")
	}
	c, err := s.GetClaw(ctx(t), claw.Ref{Tenant: "t2", Name: "a"})
	if err != nil || c.Spec.Model != "p/other" {
		t.Fatalf("GetClaw t2 = %+v, %v", c, err)
	}
	cs, _ := s.ListClaws(ctx(t), "t3")
	if len(cs) != 0 {
		t.Fatalf("t3 lists %d claws", len(cs))
	}
	_, _, err = s.Enqueue(ctx(t), claw.Ref{Tenant: "t3", Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "x", Session: "main"})
	wantCode(t, err, claw.ENOTFOUND)
}

func testEnqueueIdempotent(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	e1 := enqueue(t, s, claw.DefaultTenant, "a", "k1", "one")
	e2, created, err := s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "k1", Session: "main", Text: "again"})
	if err != nil || created || e2.ID != e1.ID || e2.Text != "one" {
		t.Fatalf("repeat Enqueue = %+v, %v, %v", e2, created, err)
	}
	if e1.Status != claw.EventPending || e1.Session != "main" {
		t.Fatalf("event = %+v", e1)
	}
	_, _, err = s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "missing"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "k", Session: "main"})
	wantCode(t, err, claw.ENOTFOUND)
	_, _, err = s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, Session: "main"})
	wantCode(t, err, claw.EINVALID)
}

func testEnqueueConcurrent(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	var wg sync.WaitGroup
	ids := make([]int64, 16)
	errs := make([]error, 16)
	for i := range ids {
		wg.Go(func() {
			e, _, err := s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: fmt.Sprint("k", i%4), Session: "main"})
			ids[i], errs[i] = e.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("Enqueue %d: %v", i, errs[i])
		}
		if ids[i] != ids[i%4] {
			t.Fatalf("same key got ids %d and %d", ids[i], ids[i%4])
		}
	}
}

func testNextEventOrder(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	mustApply(t, s, claw.DefaultTenant, "b", "p/m")
	e1 := enqueue(t, s, claw.DefaultTenant, "a", "1", "first")
	enqueue(t, s, claw.DefaultTenant, "b", "1", "other claw")
	e2 := enqueue(t, s, claw.DefaultTenant, "a", "2", "second")
	refs, err := s.PendingClaws(ctx(t))
	if err != nil || len(refs) != 2 {
		t.Fatalf("PendingClaws = %v, %v", refs, err)
	}
	got, ok, err := s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if err != nil || !ok || got.ID != e1.ID || got.Status != claw.EventRunning {
		t.Fatalf("NextEvent = %+v, %v, %v", got, ok, err)
	}
	// Unfinished: the same event again (a crash resumes it).
	got, _, _ = s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if got.ID != e1.ID {
		t.Fatalf("NextEvent before finishing = %d, want %d", got.ID, e1.ID)
	}
	finish(t, s, got, "r1")
	got, _, _ = s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if got.ID != e2.ID {
		t.Fatalf("NextEvent after finishing = %d, want %d", got.ID, e2.ID)
	}
	finish(t, s, got, "r2")
	if _, ok, err := s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}); ok || err != nil {
		t.Fatalf("NextEvent on empty mailbox = %v, %v", ok, err)
	}
	refs, _ = s.PendingClaws(ctx(t))
	if len(refs) != 1 || refs[0].Name != "b" {
		t.Fatalf("PendingClaws = %v", refs)
	}
}

func finish(t *testing.T, s store.Store, e claw.Event, reply string) claw.Run {
	t.Helper()
	run, err := s.BeginRun(ctx(t), e.Tenant, e, 1, claw.Message{Content: e.Text})
	if err != nil {
		t.Fatalf("BeginRun: %v", err)
	}
	if err := s.FinishRun(ctx(t), e.Tenant, store.RunEnd{RunID: run.ID, EventID: e.ID, Status: claw.RunCompleted, Reply: reply}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	return run
}

func testRunLifecycle(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	sent := enqueue(t, s, claw.DefaultTenant, "a", "k", "hello")
	e, _, _ := s.NextEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if e.ID != sent.ID {
		t.Fatalf("NextEvent = %d, want %d", e.ID, sent.ID)
	}
	run, err := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "hello"})
	if err != nil || run.Status != claw.RunRunning || run.Attempts != 1 || run.EventID != e.ID || run.Session != "main" {
		t.Fatalf("BeginRun = %+v, %v", run, err)
	}
	step := claw.Step{RunID: run.ID, Seq: 1, Kind: claw.StepModel, Name: "m"}
	if err := s.StartStep(ctx(t), claw.DefaultTenant, step); err != nil {
		t.Fatal(err)
	}
	step.Status, step.InputTokens, step.OutputTokens = claw.StepFinished, 10, 3
	call := claw.ToolCall{ID: "c1", Name: "echo", Arguments: []byte(`{"text":"x"}`)}
	msgs := []claw.Message{{Session: "main", EventID: e.ID, Role: claw.RoleAssistant, ToolCalls: []claw.ToolCall{call}}}
	if err := s.FinishStep(ctx(t), claw.DefaultTenant, step, msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: e.ID, Status: claw.RunCompleted, Reply: "hi!",
		Outbox: []store.OutboxEntry{{Claw: "a", Kind: "callback", Target: "http://x", Payload: []byte("{}")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, e.ID)
	if err != nil || got.Status != claw.EventCompleted || got.Reply != "hi!" || got.RunID != run.ID || got.FinishedAt == nil {
		t.Fatalf("GetEvent = %+v, %v", got, err)
	}
	runs, err := s.ListRuns(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 10)
	if err != nil || len(runs) != 1 || runs[0].Steps != 1 || runs[0].InputTokens != 10 || runs[0].OutputTokens != 3 || runs[0].Status != claw.RunCompleted {
		t.Fatalf("ListRuns = %+v, %v", runs, err)
	}
	one, err := s.GetRun(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, run.ID)
	if err != nil || one.ID != run.ID || one.Steps != 1 || one.FinishedAt == nil {
		t.Fatalf("GetRun = %+v, %v", one, err)
	}
	_, err = s.GetRun(ctx(t), claw.Ref{Tenant: "other", Name: "a"}, run.ID)
	wantCode(t, err, claw.ENOTFOUND)
	steps, err := s.RunSteps(ctx(t), claw.DefaultTenant, run.ID)
	if err != nil || len(steps) != 1 || steps[0].Status != claw.StepFinished || steps[0].FinishedAt == nil {
		t.Fatalf("RunSteps = %+v, %v", steps, err)
	}
	ms, err := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0)
	if err != nil || len(ms) != 2 || ms[0].Role != claw.RoleUser || ms[0].Content != "hello" || len(ms[1].ToolCalls) != 1 || string(ms[1].ToolCalls[0].Arguments) != `{"text":"x"}` {
		t.Fatalf("SessionMessages = %+v, %v", ms, err)
	}
	// Failure path.
	e2 := enqueue(t, s, claw.DefaultTenant, "a", "k2", "again")
	run2, _ := s.BeginRun(ctx(t), claw.DefaultTenant, e2, 1, claw.Message{Content: "again"})
	if err := s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run2.ID, EventID: e2.ID, Status: claw.RunFailed, Error: "model: HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, e2.ID)
	if got.Status != claw.EventFailed || got.Error != "model: HTTP 500" {
		t.Fatalf("failed event = %+v", got)
	}
}

func testRunResume(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	e := enqueue(t, s, claw.DefaultTenant, "a", "k", "hello")
	r1, err := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "hello"})
	if err != nil || r2.ID != r1.ID || r2.Attempts != 2 {
		t.Fatalf("resumed BeginRun = %+v, %v", r2, err)
	}
	ms, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0)
	if len(ms) != 1 {
		t.Fatalf("user message stored %d times", len(ms))
	}
}

func testStepSequence(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	e := enqueue(t, s, claw.DefaultTenant, "a", "k", "hello")
	run, _ := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "hello"})
	wantCode(t, s.StartStep(ctx(t), claw.DefaultTenant, claw.Step{RunID: run.ID, Seq: 2, Kind: claw.StepModel}), claw.ECONFLICT)
	if err := s.StartStep(ctx(t), claw.DefaultTenant, claw.Step{RunID: run.ID, Seq: 1, Kind: claw.StepModel}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.StartStep(ctx(t), claw.DefaultTenant, claw.Step{RunID: run.ID, Seq: 1, Kind: claw.StepModel}), claw.ECONFLICT)
	wantCode(t, s.FinishStep(ctx(t), claw.DefaultTenant, claw.Step{RunID: run.ID, Seq: 7, Status: claw.StepFinished}, nil), claw.ENOTFOUND)
	wantCode(t, s.StartStep(ctx(t), "other", claw.Step{RunID: run.ID, Seq: 2, Kind: claw.StepModel}), claw.ENOTFOUND)
	// Compact steps are counted on the run.
	for seq := 2; seq <= 3; seq++ {
		if err := s.StartStep(ctx(t), claw.DefaultTenant, claw.Step{RunID: run.ID, Seq: seq, Kind: claw.StepCompact}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.GetRun(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, run.ID); err != nil || got.Compactions != 2 {
		t.Fatalf("GetRun compactions = %d, %v; want 2", got.Compactions, err)
	}
	if rs, err := s.ListRuns(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 10); err != nil || len(rs) != 1 || rs[0].Compactions != 2 {
		t.Fatalf("ListRuns = %+v, %v; want one run with 2 compactions", rs, err)
	}
}

func testSessionLimit(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	for i := range 5 {
		e, _, err := s.Enqueue(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: fmt.Sprint(i), Session: "s1", Text: fmt.Sprint("m", i)})
		if err != nil {
			t.Fatal(err)
		}
		finish(t, s, e, "ok")
	}
	ms, err := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1", 2)
	if err != nil || len(ms) != 2 || ms[0].Content != "m3" || ms[1].Content != "m4" {
		t.Fatalf("SessionMessages limit 2 = %+v, %v", ms, err)
	}
	if ms, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0); len(ms) != 0 {
		t.Fatalf("main session has %d messages", len(ms))
	}
}

func testOutbox(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	e := enqueue(t, s, claw.DefaultTenant, "a", "k", "x")
	run, _ := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "x"})
	now := time.Now()
	if _, ok, err := s.NextOutboxAt(ctx(t)); ok || err != nil {
		t.Fatalf("NextOutboxAt on empty outbox = %v, %v", ok, err)
	}
	if err := s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: e.ID, Status: claw.RunCompleted, Reply: "r",
		Outbox: []store.OutboxEntry{{Claw: "a", Kind: "callback", Target: "http://t", Payload: []byte(`{"reply":"r"}`), NextAt: now}}}); err != nil {
		t.Fatal(err)
	}
	if at, ok, err := s.NextOutboxAt(ctx(t)); !ok || err != nil || at.UnixMicro() != now.UnixMicro() {
		t.Fatalf("NextOutboxAt = %v, %v, %v; want %v", at, ok, err, now)
	}
	got, err := s.ClaimOutbox(ctx(t), now.Add(time.Second), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Target != "http://t" || string(got[0].Payload) != `{"reply":"r"}` || got[0].Tenant != claw.DefaultTenant {
		t.Fatalf("ClaimOutbox = %+v, %v", got, err)
	}
	// Leased: not claimable again until the lease runs out.
	if again, _ := s.ClaimOutbox(ctx(t), now.Add(2*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("leased entry claimed again: %+v", again)
	}
	if at, _, _ := s.NextOutboxAt(ctx(t)); at.UnixMicro() != now.Add(time.Second+time.Minute).UnixMicro() {
		t.Fatalf("NextOutboxAt while leased = %v", at)
	}
	if err := s.SettleOutbox(ctx(t), got[0].ID, store.OutboxResult{Error: "503", NextAt: now.Add(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	retry, _ := s.ClaimOutbox(ctx(t), now.Add(4*time.Second), time.Minute, 10)
	if len(retry) != 1 || retry[0].Attempts != 1 || retry[0].LastErr != "503" {
		t.Fatalf("retry claim = %+v", retry)
	}
	if err := s.SettleOutbox(ctx(t), got[0].ID, store.OutboxResult{Delivered: true}); err != nil {
		t.Fatal(err)
	}
	if done, _ := s.ClaimOutbox(ctx(t), now.Add(time.Hour), time.Minute, 10); len(done) != 0 {
		t.Fatalf("delivered entry claimed: %+v", done)
	}
	if _, ok, _ := s.NextOutboxAt(ctx(t)); ok {
		t.Fatal("NextOutboxAt reports a delivered entry")
	}
}

func testClawState(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	if err := s.SetClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, store.StateUpdate{State: claw.StateBackoff, LastError: "panic: x", Restarts: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, store.StateUpdate{State: claw.StateRunning, LastError: "panic: x", Restarts: -1}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"})
	if c.State != claw.StateRunning || c.LastError != "panic: x" || c.Restarts != 2 {
		t.Fatalf("claw = %+v", c)
	}
	err := s.SetClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "missing"}, store.StateUpdate{State: claw.StateIdle})
	if !errors.Is(err, err) {
		t.Fatal("unreachable")
	}
	wantCode(t, err, claw.ENOTFOUND)
}

func testClaimRun(t *testing.T, s store.Store) {
	c := mustApply(t, s, claw.DefaultTenant, "a", "p/m").Claw
	if _, _, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c); ok || err != nil {
		t.Fatalf("ClaimRun on empty mailbox = %v, %v", ok, err)
	}
	e := enqueue(t, s, claw.DefaultTenant, "a", "k", "hello")
	ev, run, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	if err != nil || !ok || ev.ID != e.ID || ev.Status != claw.EventRunning || run.Attempts != 1 || run.Steps != 1 || run.EventID != e.ID {
		t.Fatalf("ClaimRun = %+v, %+v, %v, %v", ev, run, ok, err)
	}
	steps, _ := s.RunSteps(ctx(t), claw.DefaultTenant, run.ID)
	if len(steps) != 1 || steps[0].Kind != claw.StepModel || steps[0].Name != "p/m" || steps[0].Status != claw.StepStarted {
		t.Fatalf("steps after claim = %+v", steps)
	}
	ms, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0)
	if len(ms) != 1 || ms[0].Content != "hello" || ms[0].Role != claw.RoleUser {
		t.Fatalf("messages after claim = %+v", ms)
	}
	// Claimed again (a crash): the same run, one more attempt, no new step
	// or message.
	_, again, _, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	if err != nil || again.ID != run.ID || again.Attempts != 2 || again.Steps != 1 {
		t.Fatalf("second ClaimRun = %+v, %v", again, err)
	}
	if ms, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0); len(ms) != 1 {
		t.Fatalf("messages after second claim = %d", len(ms))
	}
	// The final step and the run's end in one call.
	step := claw.Step{RunID: run.ID, Seq: 1, Status: claw.StepFinished, InputTokens: 5, OutputTokens: 2}
	reply := claw.Message{Session: "main", EventID: ev.ID, Role: claw.RoleAssistant, Content: "hi"}
	if err := s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted, Reply: "hi",
		Step: &step, Messages: []claw.Message{reply}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRun(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, run.ID)
	if got.Status != claw.RunCompleted || got.InputTokens != 5 || got.OutputTokens != 2 {
		t.Fatalf("run = %+v", got)
	}
	if ms, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "main", 0); len(ms) != 2 || ms[1].Content != "hi" {
		t.Fatalf("messages after finish = %+v", ms)
	}
	// A step that does not exist fails the whole finish.
	e2 := enqueue(t, s, claw.DefaultTenant, "a", "k2", "x")
	_, run2, _, _ := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	bad := claw.Step{RunID: run2.ID, Seq: 9, Status: claw.StepFinished}
	wantCode(t, s.FinishRun(ctx(t), claw.DefaultTenant, store.RunEnd{RunID: run2.ID, EventID: e2.ID, Status: claw.RunCompleted, Step: &bad}), claw.ENOTFOUND)
	if got, _ := s.GetEvent(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, e2.ID); got.Status != claw.EventRunning {
		t.Fatalf("event after failed finish = %s", got.Status)
	}
}
