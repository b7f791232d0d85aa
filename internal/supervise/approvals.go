package supervise

import (
	"context"
	"log/slog"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// ApprovalTimer is the node service that denies tool calls nobody approved
// or denied before their approval timeout, and wakes their claws so the
// model reads the denial. It sleeps until the earliest expiry; Poke tells
// it a new approval was requested.
type ApprovalTimer struct {
	store  store.Approvals
	notify func(claw.Ref)
	clock  Clock
	log    *slog.Logger
	wake   chan struct{}
}

var _ Service = (*ApprovalTimer)(nil)

// NewApprovalTimer returns the service; clk nil is the real clock.
func NewApprovalTimer(st store.Approvals, notify func(claw.Ref), clk Clock, log *slog.Logger) *ApprovalTimer {
	if clk == nil {
		clk = realClock{}
	}
	return &ApprovalTimer{store: st, notify: notify, clock: clk, log: log, wake: make(chan struct{}, 1)}
}

// Poke makes the timer re-read the earliest expiry.
func (t *ApprovalTimer) Poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// Serve expires approvals until ctx ends.
func (t *ApprovalTimer) Serve(ctx context.Context) error {
	for {
		if err := t.Expire(ctx); err != nil {
			return err
		}
		at, ok, err := t.store.NextApprovalExpiry(ctx)
		if err != nil {
			return err
		}
		d := 24 * time.Hour
		if ok {
			d = max(at.Sub(t.clock.Now()), time.Millisecond)
		}
		sleep(ctx, t.clock, d, t.wake)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// Expire denies every approval due now and wakes the claws concerned.
func (t *ApprovalTimer) Expire(ctx context.Context) error {
	due, err := t.store.ExpireApprovals(ctx, t.clock.Now())
	if err != nil {
		return err
	}
	for _, a := range due {
		t.log.Info("approval timed out; tool call denied", "tenant", a.Tenant, "claw", a.Claw, "run", a.RunID, "tool", a.Tool)
		t.notify(claw.Ref{Tenant: a.Tenant, Name: a.Claw})
	}
	return nil
}
