package claw

import "time"

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
