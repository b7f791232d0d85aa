package node

import (
	"context"
	"maps"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/supervise"
)

// lateMailbox lets the claw-to-claw tools, made before the supervisor
// (whose runner needs them), wake claws through it.
type lateMailbox struct{ s *supervise.Supervisor }

func (m *lateMailbox) Notify(ref claw.Ref) { m.s.Notify(ref) }

func (m *lateMailbox) Lend() func() { return m.s.Lend() }

func (m *lateMailbox) Watch(ref claw.Ref, id int64) (<-chan struct{}, func()) {
	return m.s.Watch(ref, id)
}

// chain returns a hook calling the node's own, then the caller's if any
// (which so sees the node's work done).
func chain(caller, own func(claw.Ref)) func(claw.Ref) {
	if caller == nil {
		return own
	}
	return func(r claw.Ref) { own(r); caller(r) }
}

// withHandler returns a copy of an outbox handler table with one more kind.
func withHandler(hs map[string]func(context.Context, store.OutboxEntry) error, kind string, h func(context.Context, store.OutboxEntry) error) map[string]func(context.Context, store.OutboxEntry) error {
	out := maps.Clone(hs)
	if out == nil {
		out = map[string]func(context.Context, store.OutboxEntry) error{}
	}
	out[kind] = h
	return out
}
