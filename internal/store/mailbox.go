package store

import (
	"context"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Mailbox stores the events waiting for each claw.
type Mailbox interface {
	// Enqueue writes an event into a claw's mailbox. A repeated idempotency
	// key returns the existing event with created=false (ENOTFOUND for an
	// unknown claw).
	Enqueue(ctx context.Context, ref claw.Ref, ev claw.NewEvent) (e claw.Event, created bool, err error)
	// GetEvent returns one event of a claw (ENOTFOUND).
	GetEvent(ctx context.Context, ref claw.Ref, id int64) (claw.Event, error)
	// NextEvent returns the claw's oldest unfinished event, marking it
	// running; ok is false when the mailbox is empty.
	NextEvent(ctx context.Context, ref claw.Ref) (e claw.Event, ok bool, err error)
	// PendingClaws lists every claw, across tenants, with unfinished events.
	PendingClaws(ctx context.Context) ([]claw.Ref, error)
	// LastInbound returns when the claw's newest message event came in, or
	// when the claw was created if none did (ENOTFOUND).
	LastInbound(ctx context.Context, ref claw.Ref) (time.Time, error)
}
