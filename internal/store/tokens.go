package store

import (
	"context"
	"time"
)

// Tokens stores API tokens.
type Tokens interface {
	// CreateToken stores an API token by the SHA-256 hex of its secret.
	CreateToken(ctx context.Context, t Token) error
	// LookupToken finds a token by the hash of its secret (ENOTFOUND).
	LookupToken(ctx context.Context, hash string) (Token, error)
	// HasAdminToken reports whether any admin token exists.
	HasAdminToken(ctx context.Context) (bool, error)
}

// Token is an API token. Admin tokens may act on every tenant.
type Token struct {
	Hash      string
	Tenant    string
	Admin     bool
	Name      string
	CreatedAt time.Time
}
