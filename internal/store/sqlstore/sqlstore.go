// Package sqlstore implements store.Store once, over database/sql, for
// every SQL backend. A Dialect carries what differs between backends
// (placeholders, migration locking, error classification); store/sqlite
// and store/postgres open the connections, own the migrations and hand
// them here.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// Dialect describes one SQL backend.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered rewrites "?" placeholders as "$1", "$2", ... .
	Numbered bool
	// MigrationLock, when set, runs first in the migration transaction so
	// that concurrent nodes migrate one at a time.
	MigrationLock string
	// GroupCommit batches concurrent write transactions into one commit;
	// for a backend with a single writer connection. It also caches
	// prepared statements (see stmtCache), which a driver with its own
	// statement cache (pgx) does not need.
	GroupCommit bool
}

// DB is a store.Store over SQL connections.
type DB struct {
	w       *sql.DB // writes (a single connection on SQLite)
	r       *sql.DB // reads (may be the same pool as w)
	dialect Dialect
	now     func() time.Time
	onClose func() error

	batch     *batcher   // group commit; nil when the dialect has none
	wstmts    *stmtCache // prepared write statements (with batch)
	rstmts    *stmtCache // prepared read statements (with batch)
	queries   sync.Map   // query text -> rebound text
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

// Options configure a DB.
type Options struct {
	Writer  *sql.DB
	Reader  *sql.DB // nil: use Writer
	Dialect Dialect
	Now     func() time.Time // nil: time.Now
	// OnClose, when set, runs when the store closes, after the last write
	// and before the pools close (to release a backend's node lock).
	OnClose func() error
}

// Open migrates the database with the migrations in fsys (files named
// NNNN_name.sql, applied in order, each once) and returns the store.
func Open(ctx context.Context, opts Options, migrations fs.FS) (*DB, error) {
	db := &DB{w: opts.Writer, r: opts.Reader, dialect: opts.Dialect, now: opts.Now, onClose: opts.OnClose}
	if db.r == nil {
		db.r = db.w
	}
	if db.now == nil {
		db.now = time.Now
	}
	if err := db.migrate(ctx, migrations); err != nil {
		return nil, err
	}
	if db.dialect.GroupCommit {
		db.wstmts, db.rstmts = newStmtCache(), newStmtCache()
		db.batch = newBatcher(db.w, func() { db.wstmts.preparePending(db.w) })
	}
	if err := db.EnsureTenant(ctx, claw.DefaultTenant); err != nil {
		return nil, err
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.batch != nil {
			db.batch.close()
			db.wstmts.close()
			db.rstmts.close()
		}
		var err error
		if db.onClose != nil {
			err = db.onClose()
		}
		err = errors.Join(err, db.w.Close())
		if db.r != db.w {
			err = errors.Join(err, db.r.Close())
		}
		db.closeErr = err
	})
	return db.closeErr
}

// q returns the query in the dialect's placeholder style.
func (db *DB) q(query string) string {
	if !db.dialect.Numbered {
		return query
	}
	if v, ok := db.queries.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	db.queries.Store(query, b.String())
	return b.String()
}

// tx runs fn in a write transaction, committing when fn returns nil. With
// group commit, fn runs in a savepoint of a transaction it may share, and
// the context it is given carries ctx's values but is never cancelled.
func (db *DB) tx(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	if db.batch != nil {
		return db.batch.do(ctx, fn)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs one write statement in its own transaction.
func (db *DB) exec(ctx context.Context, query string, args ...any) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, query, args...)
		return err
	})
}

func (db *DB) migrate(ctx context.Context, migrations fs.FS) error {
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if db.dialect.MigrationLock != "" {
			if _, err := tx.ExecContext(ctx, db.dialect.MigrationLock); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		for _, name := range names {
			v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number", name)
			}
			var n int
			if err := db.txRow(ctx, tx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			if n > 0 {
				continue
			}
			body, err := fs.ReadFile(migrations, name)
			if err != nil {
				return fmt.Errorf("read migration %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply migration %s: %w", name, err)
			}
			if _, err := db.txExec(ctx, tx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				v, name, micros(db.now())); err != nil {
				return fmt.Errorf("record migration %s: %w", name, err)
			}
		}
		return nil
	})
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// queryAll runs a read query and scans every row; what names the query in
// errors.
func queryAll[T any](ctx context.Context, db *DB, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.readQuery(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromMicrosPtr(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := fromMicros(v)
	return &t
}
