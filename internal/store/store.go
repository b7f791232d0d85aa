// Package store is reef's storage seam: the role interfaces a backend
// implements (Tenants, Tokens, Claws, Mailbox, Runs, Sessions, Memory, Outbox,
// Supervision, Approvals, Schedules, Sandbox), their union Store, and the
// types that cross them. The mailbox, runs, steps, sessions and outbox
// are reef's own tables. Backends live in store/sqlite and store/postgres;
// store/storetest is the conformance suite both pass. A consumer asks for
// the roles it uses, never the whole Store.
//
// Every call that touches tenant data takes the tenant explicitly, alone
// or in the claw.Ref that names a claw. Errors are *claw.Error with
// claw.ENOTFOUND when a named row does not exist and claw.ECONFLICT when a
// uniqueness rule forbids the write; anything else is an internal error
// that the caller must not ignore.
package store

// Store is the whole persistence surface of a node: every role and the
// connections' lifetime.
type Store interface {
	Tenants
	Tokens
	Claws
	Mailbox
	Runs
	Sessions
	Memory
	Outbox
	Supervision
	Approvals
	Schedules
	Sandbox
	// Close releases the store's connections. It is safe to call twice.
	Close() error
}
