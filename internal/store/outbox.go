package store

import (
	"context"
	"time"
)

// Outbox stores the deliveries of replies to places outside the node.
// FinishRun writes its entries.
type Outbox interface {
	// ClaimOutbox returns up to limit outbox entries due at now, leasing
	// them until now+lease.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error)
	// NextOutboxAt returns when the earliest pending outbox entry is due
	// (a leased entry is due when its lease ends); ok is false when none
	// is pending.
	NextOutboxAt(ctx context.Context) (at time.Time, ok bool, err error)
	// SettleOutbox records a delivery attempt: delivered, retried at next,
	// or dead with its error.
	SettleOutbox(ctx context.Context, id int64, res OutboxResult) error
}

// Outbox delivery states.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxDead      = "dead"
)

// OutboxEntry is one delivery of a reply to somewhere outside the node.
type OutboxEntry struct {
	ID       int64
	Tenant   string
	Claw     string
	EventID  int64
	Kind     string // e.g. "callback": POST the reply to Target
	Target   string
	Payload  []byte
	Status   string
	Attempts int
	LastErr  string
	NextAt   time.Time
}

// OutboxResult is the outcome of one delivery attempt.
type OutboxResult struct {
	Delivered bool
	Dead      bool
	Error     string
	NextAt    time.Time
}
