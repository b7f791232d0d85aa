// Package postgres is reef's PostgreSQL store backend, through pgx/v5's
// database/sql adapter, for nodes that share their claws.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/reefhq/reef/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockKey is the advisory lock id nodes take while migrating.
const migrationLockKey = 7420_0001

// Open connects to the database at url (postgres://...) and migrates it.
// now may be nil for the wall clock.
func Open(ctx context.Context, url string, now func() time.Time) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	s, err := sqlstore.Open(ctx, sqlstore.Options{Writer: db, Dialect: sqlstore.Dialect{
		Name:          "postgres",
		Numbered:      true,
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
	}, Now: now}, sub)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
