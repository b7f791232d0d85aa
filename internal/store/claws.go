package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Claws stores claws and their spec versions.
type Claws interface {
	// ApplyClaw stores spec as the claw's next version when it differs from
	// the current one (compared by canonical bytes), creating the claw when
	// it is new. A changed spec also resets a crash-looping claw to idle.
	// In the same transaction it keeps the claw's spec schedules (its
	// schedules and heartbeat) in step with the new version: a new one gets
	// its first fire, a changed one is rescheduled, a removed one is
	// deleted with its pending retries.
	ApplyClaw(ctx context.Context, tenant string, spec claw.Spec, canonical []byte) (ApplyResult, error)
	// GetClaw returns a claw with its current spec (ENOTFOUND).
	GetClaw(ctx context.Context, ref claw.Ref) (claw.Claw, error)
	// ListClaws returns the tenant's claws ordered by name.
	ListClaws(ctx context.Context, tenant string) ([]claw.Claw, error)
	// DeleteClaw removes a claw with its versions, events, runs, sessions
	// and schedules (ENOTFOUND).
	DeleteClaw(ctx context.Context, ref claw.Ref) error
	// ClawVersions lists a claw's versions, oldest first (ENOTFOUND).
	ClawVersions(ctx context.Context, ref claw.Ref) ([]claw.Version, error)
	// WorkspaceClaws lists every claw of every tenant whose current spec
	// names a workspace, ordered by tenant and name (for the node's
	// workspace placement rules).
	WorkspaceClaws(ctx context.Context) ([]claw.Claw, error)
	// CountClaws counts all claws of all tenants.
	CountClaws(ctx context.Context) (int, error)
}

// ApplyResult says what an apply did.
type ApplyResult struct {
	Claw     claw.Claw
	Created  bool
	Changed  bool      // false: the spec equals the current version
	Previous claw.Spec // the replaced spec when Changed && !Created
	Unparked bool      // the new version took the claw out of crashloop
}
