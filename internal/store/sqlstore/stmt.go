package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements so that a query is parsed once per
// connection, not once per call: parsing was a quarter of the CPU of the
// event path on SQLite. database/sql prepares a cached *sql.Stmt again on
// each connection it meets and reuses it after.
//
// The single writer connection is busy inside write transactions, where
// preparing on the pool would wait for itself; so a write query seen there
// for the first time runs unprepared and is prepared by the batcher between
// two batches, when the connection is free.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt // rebound query -> statement
	pending map[string]bool      // write queries to prepare between batches
}

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the statement for q, or nil after noting q as pending.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[q]
	if st == nil {
		c.pending[q] = true
	}
	return st
}

// preparePending prepares the pending write queries on the writer pool,
// which the caller guarantees is idle.
func (c *stmtCache) preparePending(pool *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.pending {
		delete(c.pending, q)
		if st, err := pool.PrepareContext(context.Background(), q); err == nil {
			c.stmts[q] = st
		}
	}
}

// prepared returns the statement for q on pool, preparing it when needed
// (for pools that are never held by a transaction of ours: the readers).
func (c *stmtCache) prepared(ctx context.Context, pool *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	st := c.stmts[q]
	c.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[q]; prev != nil {
		st.Close()
		return prev, nil
	}
	c.stmts[q] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// txExec runs a write statement inside tx.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	q := db.q(query)
	if db.wstmts != nil {
		if st := db.wstmts.lookup(q); st != nil {
			return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		}
	}
	return tx.ExecContext(ctx, q, args...)
}

// txRow runs a query returning one row inside tx.
func (db *DB) txRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	q := db.q(query)
	if db.wstmts != nil {
		if st := db.wstmts.lookup(q); st != nil {
			return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// txQuery runs a query inside tx.
func (db *DB) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	q := db.q(query)
	if db.wstmts != nil {
		if st := db.wstmts.lookup(q); st != nil {
			return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
	}
	return tx.QueryContext(ctx, q, args...)
}

// readRow runs a one-row query on the read pool.
func (db *DB) readRow(ctx context.Context, query string, args ...any) rowScanner {
	q := db.q(query)
	if db.rstmts == nil {
		return db.r.QueryRowContext(ctx, q, args...)
	}
	st, err := db.rstmts.prepared(ctx, db.r, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// readQuery runs a query on the read pool.
func (db *DB) readQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := db.q(query)
	if db.rstmts == nil {
		return db.r.QueryContext(ctx, q, args...)
	}
	st, err := db.rstmts.prepared(ctx, db.r, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// errRow is a row whose query could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
