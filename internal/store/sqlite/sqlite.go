// Package sqlite is reef's embedded store backend: SQLite through
// modernc.org/sqlite (no cgo), in WAL mode with synchronous=FULL so that an
// acknowledged write survives power loss, one writer connection and a pool
// of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/reefhq/reef/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating when needed) the database file at path and migrates
// it. now may be nil for the wall clock. Only one process at a time may
// have a database open: another gets ErrLocked.
func Open(ctx context.Context, path string, now func() time.Time) (*sqlstore.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	unlock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	if err := privateFiles(path); err != nil {
		unlock()
		return nil, err
	}
	db, err := open(ctx, path, now, unlock)
	if err != nil {
		unlock()
		return nil, err
	}
	return db, nil
}

// privateFiles makes the database file (creating it empty when it does
// not exist) and its -wal, -shm and .lock files mode 0600, whatever the
// umask and whatever mode an older version left them with. SQLite gives
// the -wal and -shm files it creates later the database file's mode.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	err = f.Chmod(0o600)
	f.Close()
	if err != nil {
		return fmt.Errorf("make database file private: %w", err)
	}
	for _, p := range []string{path + "-wal", path + "-shm", path + ".lock"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("make %s private: %w", filepath.Base(p), err)
		}
	}
	return nil
}

// dsn returns the connection string of the writer or of a reader: WAL
// with synchronous=FULL (a commit is on disk before it returns), a busy
// timeout, foreign keys; the writer begins transactions IMMEDIATE, readers
// are query-only.
func dsn(path string, writer bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(ON)")
	}
	return "file:" + path + "?" + q.Encode()
}

func open(ctx context.Context, path string, now func() time.Time, unlock func() error) (*sqlstore.DB, error) {
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	r.SetConnMaxIdleTime(0)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	db, err := sqlstore.Open(ctx, sqlstore.Options{Writer: w, Reader: r, Dialect: sqlstore.Dialect{Name: "sqlite", GroupCommit: true}, Now: now, OnClose: unlock}, sub)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	return db, nil
}
