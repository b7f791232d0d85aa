package httpapi

import "github.com/reefhq/reef/internal/store"

// Store is what the API reads and writes in the store: tenants, tokens, claws and
// their mailboxes, runs, sessions, memories, supervision and audit,
// approvals and schedules. The outbox and the sandbox are the node's own.
type Store interface {
	store.Tenants
	store.Tokens
	store.Claws
	store.Mailbox
	store.Runs
	store.Sessions
	store.Memory
	store.Supervision
	store.Approvals
	store.Schedules
}
