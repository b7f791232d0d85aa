// Package agent is the run loop: it turns one event of a claw's mailbox
// into a run of recorded steps (model calls and tool calls) until the model
// gives a final answer or a limit stops it. Every step is recorded as
// started before it happens and as finished after, in the same transaction
// as the session messages it produced, so that a run interrupted by a crash
// resumes from its last recorded step (docs/durability.md).
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/tool"
)

// Models resolves a spec's "provider/model" to a provider and the model
// name at that provider.
type Models interface {
	Resolve(model string) (llm.Provider, string, error)
}

// Store is what a run keeps in the store: the run and its steps, the
// session it reads and extends, the claw's memories, and its approvals.
type Store interface {
	store.Runs
	store.Sessions
	store.Memory
	// RequestApproval is store.Approvals.RequestApproval.
	RequestApproval(ctx context.Context, tenant string, a claw.Approval) (claw.Approval, error)
	// GetApproval is store.Approvals.GetApproval.
	GetApproval(ctx context.Context, tenant string, runID int64, toolCallID string) (claw.Approval, error)
}

// Runner runs events. It is safe for concurrent use by many claws.
type Runner struct {
	Store  Store
	Models Models
	Tools  tool.Source
	Log    *slog.Logger
	// Workspace, when set, returns a claw's workspace directory (the
	// node's wsplace.Policy.Dir), where its tools work and its context
	// files are read; the directory is made on a run's first tool call.
	// Its error (a workspace the node does not allow) fails the run
	// before the first model call, touching nothing.
	Workspace func(claw.Claw) (string, error)
	// OnOutbox, when set, is called after a run's end wrote outbox entries.
	OnOutbox func()
	// OnApproval, when set, is called after a run stopped to wait for an
	// approval (to wake the approval timer).
	OnApproval func()
	// OnText, when set, is asked before each model call of ev's run for a
	// listener of that call's text deltas (step is the call's step number);
	// a non-nil listener makes the call stream. A call that ends in tool
	// calls may have streamed text too.
	OnText func(ev claw.Event, step int) func(delta string)
	// OnTool, when set, is told of each tool call of ev's run once its
	// result is recorded; failed is why it failed, "" when it did not.
	OnTool func(ev claw.Event, call claw.ToolCall, failed string)
}

// PanicError is a panic recovered inside a run.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// RunNext claims c's oldest unfinished event and processes it to its end,
// recording the outcome on the run and the event; ok is false when the
// mailbox was empty. ctl, when not nil, is the supervisor's control of
// the run: its Step is called at every step boundary, and its error ends
// the run attempt there, unrecorded, and is returned, so that the run
// resumes from that boundary later; its Lend lends the run's worker slot
// to tools that wait for another claw. A failure of the run itself (a
// model error, a limit, a bad spec) is recorded and RunNext returns a nil
// error; a recovered panic is recorded and returned as *PanicError; an
// error writing to the store, or ctx ending, is returned with nothing more
// recorded, so that the event is resumed later. A run that stops to wait
// for a tool call's approval returns ok with a nil error and its event
// still running.
func (r *Runner) RunNext(ctx context.Context, c claw.Claw, ctl claw.RunControl) (eventID int64, ok bool, err error) {
	ev, run, ok, err := r.Store.ClaimRun(ctx, c.Tenant, c)
	if err != nil || !ok {
		return 0, ok, err
	}
	return ev.ID, true, r.run(ctx, c, ev, run, ctl)
}

func (r *Runner) run(ctx context.Context, c claw.Claw, ev claw.Event, run claw.Run, ctl claw.RunControl) (err error) {
	log := r.Log.With("tenant", c.Tenant, "claw", c.Name, "event", ev.ID, "run", run.ID)
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		perr := &PanicError{Value: v, Stack: debug.Stack()}
		log.Error("run panicked", "panic", fmt.Sprint(v), "stack", string(perr.Stack))
		if ferr := r.finish(ctx, c, ev, run, "", perr, nil); ferr != nil {
			err = errors.Join(perr, ferr)
			return
		}
		err = perr
	}()
	c.Spec.Model = c.Spec.ModelFor(ev.Kind) // a heartbeat may use a cheaper model
	limits := c.Spec.Limits.WithDefaults()
	rctx, cancel := context.WithTimeout(ctx, limits.RunTimeout.Std())
	defer cancel()
	l := &loop{r: r, c: c, ev: ev, run: run, limits: limits, log: log, ctl: ctl}
	reply, runErr := l.do(rctx)
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: resume after restart
	}
	var stored *storeError
	if errors.As(runErr, &stored) {
		return stored.err
	}
	if errors.Is(runErr, errAwaitingApproval) {
		if r.OnApproval != nil {
			r.OnApproval()
		}
		return nil // the event stays running; a decision wakes the claw
	}
	if errors.Is(runErr, context.DeadlineExceeded) && rctx.Err() != nil {
		runErr = fmt.Errorf("run timeout (%s) exceeded", limits.RunTimeout.Std())
	}
	if runErr != nil {
		log.Info("run failed", "err", runErr)
	}
	return r.finish(ctx, c, ev, run, reply, runErr, l.unflushed)
}

// finish ends the run, with the last step when it is still to be recorded.
func (r *Runner) finish(ctx context.Context, c claw.Claw, ev claw.Event, run claw.Run, reply string, runErr error, last *pendingStep) error {
	end := store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted, Reply: reply}
	if runErr != nil {
		end.Status, end.Error, end.Reply = claw.RunFailed, runErr.Error(), ""
	}
	if last != nil {
		end.Step, end.Messages = &last.step, last.msgs
	}
	// A message from another claw (message_claw) is answered with an event
	// back to it, through the outbox (internal/tool/clawtool).
	toClaw := ev.Kind == claw.KindClawMessage && ev.ParentClaw != ""
	callback := ev.ReplyTo != "" && !(ev.Kind == claw.KindHeartbeat && end.Reply == claw.HeartbeatOK)
	if callback || toClaw {
		p := claw.CallbackPayload{EventID: ev.ID, Claw: c.Name, Session: ev.Session, RunID: run.ID, Status: claw.EventCompleted, Reply: end.Reply, Error: end.Error}
		if end.Status != claw.RunCompleted {
			p.Status = claw.EventFailed
		}
		body, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode callback: %w", err)
		}
		if callback {
			end.Outbox = append(end.Outbox, store.OutboxEntry{Claw: c.Name, Kind: "callback", Target: ev.ReplyTo, Payload: body})
		}
		if toClaw {
			end.Outbox = append(end.Outbox, store.OutboxEntry{Claw: c.Name, Kind: claw.KindClawReply, Target: ev.ParentClaw, Payload: body})
		}
	}
	if err := r.Store.FinishRun(ctx, c.Tenant, end); err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	if len(end.Outbox) > 0 && r.OnOutbox != nil {
		r.OnOutbox()
	}
	return nil
}

// storeError marks an error of the store, which ends the run attempt
// without recording an outcome.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }
