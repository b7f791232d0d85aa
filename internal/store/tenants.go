package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Tenants stores tenants and their limits. The tenant "default" always
// exists.
type Tenants interface {
	// EnsureTenant creates the tenant if it does not exist.
	EnsureTenant(ctx context.Context, tenant string) error
	// CreateTenant creates a tenant (ECONFLICT when it exists).
	CreateTenant(ctx context.Context, name string) (claw.Tenant, error)
	// GetTenant returns a tenant (ENOTFOUND).
	GetTenant(ctx context.Context, name string) (claw.Tenant, error)
	// ListTenants lists every tenant by name.
	ListTenants(ctx context.Context) ([]claw.Tenant, error)
	// SetTenantLimits replaces a tenant's limits (ENOTFOUND).
	SetTenantLimits(ctx context.Context, name string, l claw.TenantLimits) (claw.Tenant, error)
	// DeleteTenant removes the tenant and every row of its data, its
	// tokens included, in one transaction, and returns how many rows of
	// each kind it removed (ENOTFOUND). Audit records stay: they are the
	// node's history, and the hash chain must not break.
	DeleteTenant(ctx context.Context, name string) (Removed, error)
}

// Removed counts the rows a deletion removed, by table.
type Removed map[string]int64
