package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// errAwaitingApproval ends a run attempt before a tool call that waits for
// an operator's decision; the run is resumed when the decision is made.
var errAwaitingApproval = errors.New("awaiting approval")

// haltError carries the supervisor's request to stop at a step boundary.
type haltError struct{ err error }

func (e *haltError) Error() string { return e.err.Error() }
func (e *haltError) Unwrap() error { return e.err }

// boundary reports progress at a step boundary and stops the run attempt
// there when the supervisor asks. The first model call, recorded as started
// with the claim, is made before the run can be halted.
func (l *loop) boundary() error {
	if l.ctl == nil {
		return nil
	}
	err := l.ctl.Step()
	if err == nil || l.preStarted != nil {
		return nil
	}
	return &storeError{err: &haltError{err: err}}
}

// approval checks a tool call against the spec's approval list. It
// returns the reason to give the model when the call was denied, or
// errAwaitingApproval after recording a request (or while one is
// pending). check is false for calls that need no decision now (an
// unknown tool, or one resumed after a crash).
func (l *loop) approval(ctx context.Context, call claw.ToolCall, check bool) (denied string, err error) {
	if !check || !l.c.Spec.NeedsApproval(call.Name) {
		return "", nil
	}
	a, err := l.r.Store.GetApproval(ctx, l.c.Tenant, l.run.ID, call.ID)
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		wait := l.c.Spec.ApprovalWait()
		a, err = l.r.Store.RequestApproval(ctx, l.c.Tenant, claw.Approval{Claw: l.c.Name, RunID: l.run.ID, EventID: l.ev.ID,
			ToolCallID: call.ID, Tool: call.Name, Arguments: call.Arguments, ExpiresAt: time.Now().Add(wait)})
		if err != nil {
			return "", l.store(err)
		}
		l.log.Info("tool call awaits approval", "tool", call.Name, "call", call.ID, "timeout", wait)
		return "", errAwaitingApproval
	}
	if err != nil {
		return "", l.store(err)
	}
	switch a.Status {
	case claw.ApprovalApproved:
		return "", nil
	case claw.ApprovalDenied:
		msg := fmt.Sprintf("the operator denied this call of %s", call.Name)
		if a.DecidedBy == "timeout" {
			msg = fmt.Sprintf("this call of %s was denied", call.Name)
		}
		if a.Reason != "" {
			msg += ": " + a.Reason
		}
		return msg, nil
	}
	return "", errAwaitingApproval
}
