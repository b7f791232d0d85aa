package node

import (
	"context"
	"maps"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

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
