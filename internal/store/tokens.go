package store

import (
	"context"
	"slices"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// Tokens stores API tokens. A token's secret is never stored: the store
// keeps the SHA-256 hex of it.
type Tokens interface {
	// CreateToken stores an API token (ECONFLICT when its id or hash is
	// taken).
	CreateToken(ctx context.Context, t Token) error
	// LookupToken finds a token by the hash of its secret (ENOTFOUND),
	// revoked or expired ones included: the caller decides.
	LookupToken(ctx context.Context, hash string) (Token, error)
	// ListTokens lists the tokens of a tenant, or of every tenant when
	// tenant is "", oldest first.
	ListTokens(ctx context.Context, tenant string) ([]Token, error)
	// RevokeToken marks a token revoked and returns it (ENOTFOUND when no
	// token of that id is in the tenant; tenant "" matches any).
	RevokeToken(ctx context.Context, tenant, id string) (Token, error)
	// HasAdminToken reports whether any admin token that is not revoked
	// exists.
	HasAdminToken(ctx context.Context) (bool, error)
}

// Token is an API token: a role in one tenant (admin: every tenant),
// optionally narrowed to named claws, optionally expiring.
type Token struct {
	ID        string // public id ("tok_..."), shown in lists and revoked by
	Hash      string // SHA-256 hex of the secret
	Tenant    string
	Role      claw.TokenRole
	Claws     []string // when set, the only claws the token reaches
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: live
}

// Admin reports whether the token acts on the node and every tenant.
func (t Token) Admin() bool { return t.Role == claw.RoleAdmin }

// Reaches reports whether the token may name the claw: a token without a
// claw list reaches every claw of its tenant.
func (t Token) Reaches(name string) bool {
	return len(t.Claws) == 0 || slices.Contains(t.Claws, name)
}

// Usable returns nil for a live token, or the EUNAUTHORIZED error saying
// why it is not (revoked, expired) at now.
func (t Token) Usable(now time.Time) error {
	switch {
	case !t.RevokedAt.IsZero():
		return claw.Errorf(claw.EUNAUTHORIZED, "token %s was revoked", t.ID)
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return claw.Errorf(claw.EUNAUTHORIZED, "token %s expired at %s", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}
