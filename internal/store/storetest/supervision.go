package storetest

import (
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

func testChangeClawState(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	rec := claw.AuditRecord{Actor: "admin", Action: "pause"}
	c, err := s.ChangeClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, []claw.State{claw.StateIdle, claw.StateRunning},
		store.StateUpdate{State: claw.StatePaused, LastError: "kept", Restarts: -1}, rec)
	if err != nil || c.State != claw.StatePaused || c.LastError != "kept" || c.Name != "a" {
		t.Fatalf("ChangeClawState = %+v, %v", c, err)
	}
	// Not from paused: a conflict, nothing written.
	_, err = s.ChangeClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, []claw.State{claw.StateCrashloop}, store.StateUpdate{State: claw.StateIdle}, claw.AuditRecord{Actor: "x", Action: "restart"})
	wantCode(t, err, claw.ECONFLICT)
	_, err = s.ChangeClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "missing"}, nil, store.StateUpdate{State: claw.StateIdle}, claw.AuditRecord{Actor: "x", Action: "restart"})
	wantCode(t, err, claw.ENOTFOUND)
	_, err = s.ChangeClawState(ctx(t), claw.Ref{Tenant: "t2", Name: "a"}, nil, store.StateUpdate{State: claw.StateIdle}, claw.AuditRecord{Actor: "x", Action: "restart"})
	wantCode(t, err, claw.ENOTFOUND)
	// Any state when from is empty; restarts set.
	if c, err = s.ChangeClawState(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, nil, store.StateUpdate{State: claw.StateIdle, Restarts: 0}, claw.AuditRecord{Actor: "admin", Action: "resume"}); err != nil || c.State != claw.StateIdle || c.LastError != "" {
		t.Fatalf("ChangeClawState any = %+v, %v", c, err)
	}
	recs, err := s.ListAudit(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 0)
	if err != nil || len(recs) != 2 || recs[0].Action != "resume" || recs[1].Action != "pause" || recs[1].Actor != "admin" || recs[1].Claw != "a" || recs[1].Time.IsZero() {
		t.Fatalf("ListAudit = %+v, %v", recs, err)
	}
}

func testAudit(t *testing.T, s store.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for i, r := range []claw.AuditRecord{
		{Tenant: claw.DefaultTenant, Claw: "a", Actor: "supervisor", Action: "crash", Detail: "boom", Time: at},
		{Tenant: claw.DefaultTenant, Claw: "b", Actor: "supervisor", Action: "crashloop"},
		{Tenant: "t2", Claw: "a", Actor: "admin", Action: "pause"},
		{Tenant: claw.DefaultTenant, Claw: "a", Actor: "admin", Action: "restart"},
	} {
		if err := s.AppendAudit(ctx(t), r); err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
	}
	all, err := s.ListAudit(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: ""}, 0)
	if err != nil || len(all) != 3 || all[0].Action != "restart" || all[2].Detail != "boom" || !all[2].Time.Equal(at) {
		t.Fatalf("ListAudit all = %+v, %v", all, err)
	}
	one, err := s.ListAudit(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 1)
	if err != nil || len(one) != 1 || one[0].Action != "restart" {
		t.Fatalf("ListAudit a limit 1 = %+v, %v", one, err)
	}
	if other, _ := s.ListAudit(ctx(t), claw.Ref{Tenant: "t2", Name: ""}, 0); len(other) != 1 || other[0].Tenant != "t2" {
		t.Fatalf("ListAudit t2 = %+v", other)
	}
}

func testApprovals(t *testing.T, s store.Store) {
	c := mustApply(t, s, claw.DefaultTenant, "a", "p/m").Claw
	e := enqueue(t, s, claw.DefaultTenant, "a", "k1", "hello")
	enqueue(t, s, claw.DefaultTenant, "a", "k2", "next")
	_, run, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	if err != nil || !ok {
		t.Fatalf("ClaimRun = %v, %v", ok, err)
	}
	if _, ok, err := s.NextApprovalExpiry(ctx(t)); ok || err != nil {
		t.Fatalf("NextApprovalExpiry with none = %v, %v", ok, err)
	}
	expires := time.Now().Add(time.Hour).Truncate(time.Microsecond).UTC()
	req := claw.Approval{Claw: "a", RunID: run.ID, EventID: e.ID, ToolCallID: "call1", Tool: "shell", Arguments: []byte(`{"command":"ls"}`), ExpiresAt: expires}
	a, err := s.RequestApproval(ctx(t), claw.DefaultTenant, req)
	if err != nil || a.ID == 0 || a.Status != claw.ApprovalPending || a.Tool != "shell" || string(a.Arguments) != `{"command":"ls"}` || !a.ExpiresAt.Equal(expires) || a.Tenant != claw.DefaultTenant {
		t.Fatalf("RequestApproval = %+v, %v", a, err)
	}
	if again, err := s.RequestApproval(ctx(t), claw.DefaultTenant, req); err != nil || again.ID != a.ID {
		t.Fatalf("repeated RequestApproval = %+v, %v", again, err)
	}
	if r, _ := s.GetRun(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, run.ID); r.Status != claw.RunAwaitingApproval {
		t.Fatalf("run status = %s", r.Status)
	}
	// The mailbox is held: neither the awaiting event nor the next one is
	// claimed.
	if _, _, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c); ok || err != nil {
		t.Fatalf("ClaimRun while awaiting approval = %v, %v", ok, err)
	}
	if at, ok, err := s.NextApprovalExpiry(ctx(t)); !ok || err != nil || !at.Equal(expires) {
		t.Fatalf("NextApprovalExpiry = %v, %v, %v", at, ok, err)
	}
	if got, err := s.GetApproval(ctx(t), claw.DefaultTenant, run.ID, "call1"); err != nil || got.ID != a.ID {
		t.Fatalf("GetApproval = %+v, %v", got, err)
	}
	_, err = s.GetApproval(ctx(t), "t2", run.ID, "call1")
	wantCode(t, err, claw.ENOTFOUND)
	if l, err := s.ListApprovals(ctx(t), store.ApprovalFilter{Ref: claw.Ref{Tenant: claw.DefaultTenant, Name: ""}, PendingOnly: true}); err != nil || len(l) != 1 {
		t.Fatalf("ListApprovals pending = %+v, %v", l, err)
	}
	if l, _ := s.ListApprovals(ctx(t), store.ApprovalFilter{Ref: claw.Ref{Tenant: "t2", Name: ""}, PendingOnly: false}); len(l) != 0 {
		t.Fatalf("other tenant sees approvals: %+v", l)
	}
	// Not expired yet.
	if exp, err := s.ExpireApprovals(ctx(t), time.Now()); err != nil || len(exp) != 0 {
		t.Fatalf("ExpireApprovals early = %+v, %v", exp, err)
	}
	_, err = s.DecideApproval(ctx(t), "t2", run.ID, store.ApprovalDecision{Approve: true, By: "x"})
	wantCode(t, err, claw.ENOTFOUND)
	d, err := s.DecideApproval(ctx(t), claw.DefaultTenant, run.ID, store.ApprovalDecision{Approve: true, By: "admin"})
	if err != nil || d.Status != claw.ApprovalApproved || d.DecidedBy != "admin" || d.DecidedAt == nil {
		t.Fatalf("DecideApproval = %+v, %v", d, err)
	}
	_, err = s.DecideApproval(ctx(t), claw.DefaultTenant, run.ID, store.ApprovalDecision{By: "admin"})
	wantCode(t, err, claw.ENOTFOUND)
	if r, _ := s.GetRun(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, run.ID); r.Status != claw.RunRunning {
		t.Fatalf("run status after approval = %s", r.Status)
	}
	ev, again, ok, err := s.ClaimRun(ctx(t), claw.DefaultTenant, c)
	if err != nil || !ok || ev.ID != e.ID || again.ID != run.ID {
		t.Fatalf("ClaimRun after approval = %+v, %v, %v", again, ok, err)
	}
	// A second call of the same run: denied by the timeout.
	req.ToolCallID, req.ExpiresAt = "call2", time.Now().Add(time.Minute)
	if _, err := s.RequestApproval(ctx(t), claw.DefaultTenant, req); err != nil {
		t.Fatal(err)
	}
	exp, err := s.ExpireApprovals(ctx(t), time.Now().Add(2*time.Minute))
	if err != nil || len(exp) != 1 || exp[0].Status != claw.ApprovalDenied || exp[0].DecidedBy != "timeout" || exp[0].Reason == "" {
		t.Fatalf("ExpireApprovals = %+v, %v", exp, err)
	}
	if got, _ := s.GetApproval(ctx(t), claw.DefaultTenant, run.ID, "call2"); got.Status != claw.ApprovalDenied {
		t.Fatalf("expired approval = %+v", got)
	}
	if _, ok, _ := s.NextApprovalExpiry(ctx(t)); ok {
		t.Fatal("an expiry is still pending")
	}
	recs, _ := s.ListAudit(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 0)
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	if want := "deny approval_requested approve approval_requested"; joinSpace(actions) != want {
		t.Fatalf("audit actions = %v, want %s", actions, want)
	}
	// Deleting the claw removes its approvals.
	if err := s.DeleteClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListApprovals(ctx(t), store.ApprovalFilter{Ref: claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, PendingOnly: false}); len(l) != 0 {
		t.Fatalf("approvals after delete = %+v", l)
	}
}

func joinSpace(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
