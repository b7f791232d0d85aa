package api

import (
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Role  claw.TokenRole `json:"role"`
	Name  string         `json:"name,omitempty"`
	Claws []string       `json:"claws,omitempty"` // only these claws (empty: all of the tenant's)
	TTL   string         `json:"ttl,omitempty"`   // a Go duration, e.g. "720h" (empty: never expires)
}

// TokenView is a token as the API shows it: never its secret.
type TokenView struct {
	ID        string         `json:"id"`
	Tenant    string         `json:"tenant"`
	Role      claw.TokenRole `json:"role"`
	Name      string         `json:"name"`
	Claws     []string       `json:"claws,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	ExpiresAt *time.Time     `json:"expires_at,omitempty"`
	RevokedAt *time.Time     `json:"revoked_at,omitempty"`
}

// TokenCreated answers POST /v1/tokens: the secret, shown this once.
type TokenCreated struct {
	Token  TokenView `json:"token"`
	Secret string    `json:"secret"`
}

// TenantRequest is the body of POST /v1/tenants.
type TenantRequest struct {
	Name string `json:"name"`
}

// TenantDeleted answers DELETE /v1/tenants/{tenant}: the rows removed,
// by table.
type TenantDeleted struct {
	Tenant  string           `json:"tenant"`
	Removed map[string]int64 `json:"removed"`
}
