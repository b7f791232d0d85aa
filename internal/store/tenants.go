package store

import (
	"context"
	"time"
)

// Tenants stores tenants and their limits. The tenant "default" always
// exists.
type Tenants interface {
	// EnsureTenant creates the tenant if it does not exist.
	EnsureTenant(ctx context.Context, tenant string) error
	// CreateTenant creates a tenant (ECONFLICT when it exists).
	CreateTenant(ctx context.Context, name string) (Tenant, error)
	// GetTenant returns a tenant (ENOTFOUND).
	GetTenant(ctx context.Context, name string) (Tenant, error)
	// ListTenants lists every tenant by name.
	ListTenants(ctx context.Context) ([]Tenant, error)
	// SetTenantLimits replaces a tenant's limits (ENOTFOUND).
	SetTenantLimits(ctx context.Context, name string, l TenantLimits) (Tenant, error)
	// DeleteTenant removes the tenant and every row of its data, its
	// tokens included, in one transaction, and returns how many rows of
	// each kind it removed (ENOTFOUND). Audit records stay: they are the
	// node's history, and the hash chain must not break.
	DeleteTenant(ctx context.Context, name string) (Removed, error)
}

// Tenant is an isolation domain: its claws, data, secrets, tokens and
// spending are its own.
type Tenant struct {
	Name      string       `json:"name"`
	CreatedAt time.Time    `json:"created_at"`
	Limits    TenantLimits `json:"limits"`
}

// TenantLimits are a tenant's quotas and budgets; zero means no limit.
type TenantLimits struct {
	MaxClaws     int     `json:"max_claws,omitempty"`      // claws it may have
	MaxRuns      int     `json:"max_runs,omitempty"`       // runs in flight at once
	Rate         float64 `json:"rate,omitempty"`           // events accepted per second
	MaxMemory    int64   `json:"max_memory,omitempty"`     // bytes: ceiling of a tool's sandbox memory
	MaxStorage   int64   `json:"max_storage,omitempty"`    // bytes: ceiling of a claw's workspace
	USDPerMonth  float64 `json:"usd_per_month,omitempty"`  // model spend per calendar month (UTC)
	TokensPerDay int64   `json:"tokens_per_day,omitempty"` // model tokens per day (UTC)
}

// Removed counts the rows a deletion removed, by table.
type Removed map[string]int64
