package httpapi

import (
	"context"
	"slices"

	"github.com/reefhq/reef/internal/claw"
)

// checkApplyQuota refuses a spec that would take the tenant past its
// limits: a new claw beyond max_claws, or sandbox limits above the
// tenant's ceilings (sandbox defaults count: a tenant whose ceiling is
// under a default must have its specs set the limit). The claw count is
// checked before the write, so two concurrent applies of new claws may
// both pass the last free place.
func (s *Server) checkApplyQuota(ctx context.Context, tenant string, sp claw.Spec) error {
	t, err := s.Store.GetTenant(ctx, tenant)
	if err != nil {
		return err
	}
	l := t.Limits
	sb := sp.Sandbox.WithDefaults()
	if l.MaxMemory > 0 && int64(sb.Memory) > l.MaxMemory {
		return claw.Errorf(claw.EFORBIDDEN, "sandbox.memory %s is above tenant %s's max-memory %s (set sandbox.memory to at most that)",
			sb.Memory, tenant, claw.Bytes(l.MaxMemory))
	}
	if l.MaxStorage > 0 && int64(sb.Disk) > l.MaxStorage {
		return claw.Errorf(claw.EFORBIDDEN, "sandbox.disk %s is above tenant %s's max-storage %s (set sandbox.disk to at most that)",
			sb.Disk, tenant, claw.Bytes(l.MaxStorage))
	}
	if l.MaxClaws > 0 {
		cs, err := s.Store.ListClaws(ctx, tenant)
		if err != nil {
			return err
		}
		exists := slices.ContainsFunc(cs, func(c claw.Claw) bool { return c.Name == sp.Name })
		if !exists && len(cs) >= l.MaxClaws {
			return claw.Errorf(claw.EFORBIDDEN, "tenant %s is at its quota max-claws=%d (%d claws): delete one, or raise it with reef tenants set %s --max-claws N",
				tenant, l.MaxClaws, len(cs), tenant)
		}
	}
	return nil
}
