package store

import "context"

// Sandbox stores what the tool sandbox shares between nodes.
type Sandbox interface {
	// SandboxSlot returns the tenant's sandbox slot: a number unique to
	// the tenant, from 0 up, that gives its tools their own host uid. The
	// first call for a tenant allocates the lowest unused slot; later
	// calls, from any node, return the same one.
	SandboxSlot(ctx context.Context, tenant string) (int, error)
}
