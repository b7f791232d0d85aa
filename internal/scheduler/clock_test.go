package scheduler

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock moved by the test. Every After call is announced
// on armed, so a test knows the scheduler finished a pass and sleeps.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan time.Time // the deadline of each timer set
}

type fakeTimer struct {
	at      time.Time
	ch      chan time.Time
	stopped bool
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, armed: make(chan time.Time, 1024)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.armed <- t.at
	return t.ch, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// advance moves the clock and fires due timers; it reports whether one
// fired (the scheduler then runs a pass and arms a new timer).
func (c *fakeClock) advance(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	fired := false
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			t.ch <- c.now
			fired = true
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	return fired
}

// waitArmed waits until the scheduler sleeps again.
func (c *fakeClock) waitArmed(t *testing.T) {
	t.Helper()
	select {
	case <-c.armed:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not go back to sleep")
	}
}

// step advances the clock by d in increments of inc, letting the
// scheduler finish each pass it starts.
func (c *fakeClock) step(t *testing.T, d, inc time.Duration) {
	t.Helper()
	for moved := time.Duration(0); moved < d; moved += inc {
		if c.advance(inc) {
			c.waitArmed(t)
		}
	}
}
