package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// keptOnTenantDelete are the tables with a tenant_id that deleting a
// tenant leaves alone: the audit log is the node's history, and its hash
// chain must not break.
var keptOnTenantDelete = map[string]bool{"tenants": true, "audit_log": true}

// EnsureTenant creates the tenant if it does not exist.
func (db *DB) EnsureTenant(ctx context.Context, tenant string) error {
	err := db.exec(ctx, `INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, tenant, micros(db.now()))
	if err != nil {
		return fmt.Errorf("ensure tenant: %w", err)
	}
	return nil
}

// CreateTenant creates a tenant.
func (db *DB) CreateTenant(ctx context.Context, name string) (claw.Tenant, error) {
	var n int64
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, name, micros(db.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return claw.Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	if n == 0 {
		return claw.Tenant{}, claw.Errorf(claw.ECONFLICT, "tenant %q already exists", name)
	}
	return db.GetTenant(ctx, name)
}

func scanTenant(r rowScanner) (claw.Tenant, error) {
	var t claw.Tenant
	var created int64
	var limits string
	if err := r.Scan(&t.Name, &created, &limits); err != nil {
		return t, err
	}
	t.CreatedAt = fromMicros(created)
	if err := json.Unmarshal([]byte(limits), &t.Limits); err != nil {
		return t, fmt.Errorf("tenant %s: limits: %w", t.Name, err)
	}
	return t, nil
}

// GetTenant returns a tenant.
func (db *DB) GetTenant(ctx context.Context, name string) (claw.Tenant, error) {
	t, err := scanTenant(db.readRow(ctx, `SELECT id, created_at, limits FROM tenants WHERE id = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Tenant{}, claw.Errorf(claw.ENOTFOUND, "tenant %q not found", name)
	}
	if err != nil {
		return claw.Tenant{}, fmt.Errorf("get tenant: %w", err)
	}
	return t, nil
}

// ListTenants lists every tenant by name.
func (db *DB) ListTenants(ctx context.Context) ([]claw.Tenant, error) {
	return queryAll(ctx, db, "list tenants", scanTenant, `SELECT id, created_at, limits FROM tenants ORDER BY id`)
}

// SetTenantLimits replaces a tenant's limits.
func (db *DB) SetTenantLimits(ctx context.Context, name string, l claw.TenantLimits) (claw.Tenant, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return claw.Tenant{}, err
	}
	var n int64
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE tenants SET limits = ? WHERE id = ?`, string(b), name)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return claw.Tenant{}, fmt.Errorf("set tenant limits: %w", err)
	}
	if n == 0 {
		return claw.Tenant{}, claw.Errorf(claw.ENOTFOUND, "tenant %q not found", name)
	}
	return db.GetTenant(ctx, name)
}

// DeleteTenant removes the tenant and the rows of every table that has
// a tenant_id column (found in the schema, so a table added later is not
// forgotten), except the audit log.
func (db *DB) DeleteTenant(ctx context.Context, name string) (store.Removed, error) {
	if name == claw.DefaultTenant {
		return nil, claw.Errorf(claw.ECONFLICT, "the tenant %q cannot be deleted", name)
	}
	if _, err := db.GetTenant(ctx, name); err != nil {
		return nil, err
	}
	tables, err := db.tenantTables(ctx)
	if err != nil {
		return nil, err
	}
	removed := store.Removed{}
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, table := range tables {
			res, err := db.txExec(ctx, tx, `DELETE FROM `+table+` WHERE tenant_id = ?`, name)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				removed[table] = n
			}
		}
		_, err := db.txExec(ctx, tx, `DELETE FROM tenants WHERE id = ?`, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete tenant: %w", err)
	}
	return removed, nil
}

// tenantTables lists the tables with a tenant_id column, tokens last.
func (db *DB) tenantTables(ctx context.Context) ([]string, error) {
	query := `SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = current_schema() ORDER BY table_name`
	if db.dialect.Name == "sqlite" {
		query = `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY m.name`
	}
	names, err := queryAll(ctx, db, "tenant tables", func(r rowScanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, query)
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if !keptOnTenantDelete[n] && n != "tokens" {
			out = append(out, n)
		}
	}
	return append(out, "tokens"), nil
}

const tokenColumns = `id, hash, tenant_id, role, claws, name, created_at, expires_at, revoked_at`

func scanToken(r rowScanner) (store.Token, error) {
	var t store.Token
	var role, claws string
	var created, expires, revoked int64
	if err := r.Scan(&t.ID, &t.Hash, &t.Tenant, &role, &claws, &t.Name, &created, &expires, &revoked); err != nil {
		return t, err
	}
	t.Role = claw.TokenRole(role)
	if claws != "" {
		t.Claws = strings.Split(claws, ",")
	}
	t.CreatedAt = fromMicros(created)
	if expires != 0 {
		t.ExpiresAt = fromMicros(expires)
	}
	if revoked != 0 {
		t.RevokedAt = fromMicros(revoked)
	}
	return t, nil
}

// CreateToken stores a token.
func (db *DB) CreateToken(ctx context.Context, t store.Token) error {
	if !t.Role.Valid() {
		return claw.Errorf(claw.EINVALID, "unknown role %q", t.Role)
	}
	var expires int64
	if !t.ExpiresAt.IsZero() {
		expires = micros(t.ExpiresAt)
	}
	created := db.now()
	if !t.CreatedAt.IsZero() {
		created = t.CreatedAt
	}
	err := db.exec(ctx, `INSERT INTO tokens (id, hash, tenant_id, admin, role, claws, name, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		t.ID, t.Hash, t.Tenant, t.Admin(), string(t.Role), strings.Join(t.Claws, ","), t.Name, micros(created), expires)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// LookupToken finds a token by hash.
func (db *DB) LookupToken(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(db.readRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, claw.Errorf(claw.ENOTFOUND, "token not found")
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("lookup token: %w", err)
	}
	return t, nil
}

// ListTokens lists a tenant's tokens, or every token for tenant "".
func (db *DB) ListTokens(ctx context.Context, tenant string) ([]store.Token, error) {
	if tenant == "" {
		return queryAll(ctx, db, "list tokens", scanToken, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	}
	return queryAll(ctx, db, "list tokens", scanToken, `SELECT `+tokenColumns+` FROM tokens WHERE tenant_id = ? ORDER BY created_at, id`, tenant)
}

// RevokeToken marks a token revoked (a revoked token stays revoked: a
// second revoke keeps the first time).
func (db *DB) RevokeToken(ctx context.Context, tenant, id string) (store.Token, error) {
	var n int64
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
			WHERE id = ? AND (? = '' OR tenant_id = ?)`, micros(db.now()), id, tenant, tenant)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("revoke token: %w", err)
	}
	if n == 0 {
		return store.Token{}, claw.Errorf(claw.ENOTFOUND, "token %q not found", id)
	}
	t, err := scanToken(db.readRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id))
	if err != nil {
		return store.Token{}, fmt.Errorf("revoke token: %w", err)
	}
	return t, nil
}

// HasAdminToken reports whether a live admin token exists.
func (db *DB) HasAdminToken(ctx context.Context) (bool, error) {
	var n int
	if err := db.readRow(ctx, `SELECT count(*) FROM tokens WHERE role = 'admin' AND revoked_at = 0`).Scan(&n); err != nil {
		return false, fmt.Errorf("count admin tokens: %w", err)
	}
	return n > 0, nil
}
