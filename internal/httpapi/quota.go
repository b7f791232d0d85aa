package httpapi

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

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

// tenantLimitsTTL bounds how long admitRate trusts the limits it read.
const tenantLimitsTTL = 5 * time.Second

// rates holds each tenant's event-rate limiter, made from its limits
// (re-read every tenantLimitsTTL).
type rates struct {
	mu sync.Mutex
	by map[string]*tenantRate
}

type tenantRate struct {
	read time.Time // when the limits were read; guarded by rates.mu
	rate float64   // fixed once made
	lim  *rate.Limiter
}

// forget drops a tenant's limiter, so that its limits are read again.
func (r *rates) forget(tenant string) {
	r.mu.Lock()
	delete(r.by, tenant)
	r.mu.Unlock()
}

// admitRate refuses a new event over the tenant's rate limit with
// ERATELIMITED and the time to wait (Retry-After). A tenant without a
// rate limit costs one map lookup per event after the first read.
func (s *Server) admitRate(ctx context.Context, tenant string) error {
	now := time.Now()
	s.rates.mu.Lock()
	tr := s.rates.by[tenant]
	fresh := tr != nil && now.Sub(tr.read) < tenantLimitsTTL // read is written under mu
	s.rates.mu.Unlock()
	if !fresh {
		t, err := s.Store.GetTenant(ctx, tenant)
		if err != nil {
			return err
		}
		s.rates.mu.Lock()
		if s.rates.by == nil {
			s.rates.by = map[string]*tenantRate{}
		}
		tr = s.rates.by[tenant]
		if tr == nil || tr.rate != t.Limits.Rate {
			tr = &tenantRate{rate: t.Limits.Rate}
			if tr.rate > 0 {
				tr.lim = rate.NewLimiter(rate.Limit(tr.rate), max(1, int(math.Ceil(tr.rate))))
			}
			s.rates.by[tenant] = tr
		}
		tr.read = now
		s.rates.mu.Unlock()
	}
	if tr.lim == nil {
		return nil
	}
	res := tr.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		e := claw.Errorf(claw.ERATELIMITED, "tenant %s is over its quota rate=%g/s: retry in %s", tenant, tr.rate, d.Round(time.Millisecond))
		e.RetryAfter = d
		return e
	}
	return nil
}
