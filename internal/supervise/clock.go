package supervise

import (
	"context"
	"sync"
	"time"
)

// Clock is time as the supervisor sees it: wedge deadlines, restart
// backoff and crash windows. Tests pass a fake one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; stop cancels it and
	// reports whether it did so before f was called.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// sleep waits d on the clock; it returns early when ctx ends or wake
// fires.
func sleep(ctx context.Context, clk Clock, d time.Duration, wake <-chan struct{}) {
	ch := make(chan struct{})
	stop := clk.AfterFunc(d, func() { close(ch) })
	defer stop()
	select {
	case <-ch:
	case <-ctx.Done():
	case <-wake:
	}
}

// watchdog cancels a run that reports no step progress for a whole
// deadline.
type watchdog struct {
	clk      Clock
	deadline time.Duration
	cancel   context.CancelCauseFunc

	mu   sync.Mutex
	last time.Time
	stop func() bool
	done bool
}

func newWatchdog(clk Clock, deadline time.Duration, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{clk: clk, deadline: deadline, cancel: cancel, last: clk.Now()}
	w.stop = clk.AfterFunc(deadline, w.check)
	return w
}

// beat records progress.
func (w *watchdog) beat() {
	now := w.clk.Now()
	w.mu.Lock()
	w.last = now
	w.mu.Unlock()
}

func (w *watchdog) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	idle := w.clk.Now().Sub(w.last)
	if idle >= w.deadline {
		w.done = true
		w.cancel(errWedged)
		return
	}
	w.stop = w.clk.AfterFunc(w.deadline-idle, w.check)
}

// close stops the watchdog.
func (w *watchdog) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.stop()
}
