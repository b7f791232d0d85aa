// Package postgres is reef's PostgreSQL store backend, through pgx/v5's
// database/sql adapter, for nodes that share their claws.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/reefhq/reef/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock ids: one taken while migrating, one held by the serving
// node for its whole life.
const (
	migrationLockKey = 7420_0001
	nodeLockKey      = 7420_0002
)

// ErrLocked means another node holds the database's node lock.
var ErrLocked = errors.New("database is in use by another reef node (several nodes on one database are not supported yet)")

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
	unlock, err := lockNode(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	s, err := sqlstore.Open(ctx, sqlstore.Options{Writer: db, OnClose: unlock, Dialect: sqlstore.Dialect{
		Name:          "postgres",
		Numbered:      true,
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
	}, Now: now}, sub)
	if err != nil {
		db.Close()
		unlock()
		return nil, err
	}
	return s, nil
}

// lockNode holds a session advisory lock on a connection of its own, so
// that a second node on the same database (and schema) refuses to start:
// both would run the same claws. PostgreSQL releases it when the
// connection ends, so a killed node leaves no lock behind.
func lockNode(ctx context.Context, db *sql.DB) (release func() error, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	var ok bool
	// The key includes the schema, so that separate schemas of one
	// database (a test's, say) are separate nodes.
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, nodeLockKey).Scan(&ok); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take node lock: %w", err)
	}
	if !ok {
		conn.Close()
		return nil, ErrLocked
	}
	return func() error {
		// Unlock before closing: the server ends a closed session (and its
		// locks) a moment later, which a node started right after would see.
		_, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, nodeLockKey)
		return errors.Join(err, conn.Close())
	}, nil
}
