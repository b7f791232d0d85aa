package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// errClosed is returned for a write after the store closed.
var errClosed = errors.New("store closed")

// maxBatch bounds how many write transactions share one commit.
const maxBatch = 128

// batcher implements group commit for a single-writer database (SQLite):
// write transactions queued while one commit is in progress are run
// together, each inside its own savepoint, and committed with one fsync.
// A transaction that fails is rolled back to its savepoint alone; a failed
// commit fails every transaction of the batch. Nothing is acknowledged
// before its commit.
type batcher struct {
	db    *sql.DB
	idle  func() // runs between batches, while the connection is free
	queue chan *writeReq
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	mu     sync.RWMutex // held (read) while queueing; closing takes it
	closed bool
}

type writeReq struct {
	ctx  context.Context
	fn   func(context.Context, *sql.Tx) error
	err  error
	done chan struct{}
}

func newBatcher(db *sql.DB, idle func()) *batcher {
	b := &batcher{db: db, idle: idle, queue: make(chan *writeReq, maxBatch), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// close stops the writer after the transactions already queued.
func (b *batcher) close() {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		close(b.stop)
		b.mu.Unlock()
	})
	<-b.done
}

func (b *batcher) do(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errClosed
	}
	select {
	case b.queue <- req:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the transaction may commit: wait for the outcome even
	// if ctx ends, so that a caller never mistakes a commit for a failure.
	<-req.done
	return req.err
}

func (b *batcher) loop() {
	defer close(b.done)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case req := <-b.queue:
			batch = append(batch[:0], req)
		case <-b.stop:
			for {
				select {
				case req := <-b.queue:
					b.run([]*writeReq{req})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		b.run(batch)
		if b.idle != nil {
			b.idle()
		}
	}
}

// run executes a batch in one transaction.
func (b *batcher) run(batch []*writeReq) {
	finish := func(err error) {
		for _, r := range batch {
			if r.err == nil {
				r.err = err
			}
			close(r.done)
		}
	}
	// The transaction is not tied to any caller's context: cancelling one
	// caller must not roll back the others. For the same reason a caller
	// whose context ended is skipped before its statements run, and the
	// statements run under a context that cannot be cancelled (SQLite rolls
	// back the whole transaction when a statement inside it is interrupted).
	tx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		finish(fmt.Errorf("begin: %w", err))
		return
	}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT w"); err != nil {
			r.err = fmt.Errorf("savepoint: %w", err)
			continue
		}
		r.err = r.fn(context.WithoutCancel(r.ctx), tx)
		if r.err != nil {
			if _, err := tx.Exec("ROLLBACK TO w"); err != nil {
				_ = tx.Rollback()
				finish(fmt.Errorf("roll back to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.Exec("RELEASE w"); err != nil {
			_ = tx.Rollback()
			finish(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			r.err = nil // nothing of the batch is on disk
		}
		finish(fmt.Errorf("commit: %w", err))
		return
	}
	finish(nil)
}
