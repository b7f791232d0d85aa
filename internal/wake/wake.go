// Package wake carries a node's in-process signals between the code that
// writes to a claw's mailbox and the code that runs the claw: "this claw
// has work" (Notify, consumed by the supervisor) and "this event's run
// ended" (Ended, awaited by callers that wait for a reply). It is made
// first when a node is wired, so that everything that wakes a claw (the
// API, the scheduler, the approval timer, the claw-to-claw tools) takes it
// before the supervisor exists. Nothing polls per claw.
package wake

import (
	"slices"
	"sync"

	"github.com/reefhq/reef/internal/claw"
)

// Hub is a node's wake seam. Its zero value is not usable; make it with
// New. It is safe for concurrent use.
type Hub struct {
	mu       sync.Mutex
	pending  []claw.Ref // in the order of their first Notify
	queued   map[claw.Ref]struct{}
	woken    chan struct{} // one pending signal is enough
	watchers map[eventKey][]chan struct{}
}

type eventKey struct {
	ref claw.Ref
	id  int64
}

// New returns an empty Hub.
func New() *Hub {
	return &Hub{
		queued:   make(map[claw.Ref]struct{}),
		woken:    make(chan struct{}, 1),
		watchers: make(map[eventKey][]chan struct{}),
	}
}

// Notify says that ref's mailbox has work. It never blocks: the claw is
// queued once however often it is notified before the consumer takes it.
func (h *Hub) Notify(ref claw.Ref) {
	h.mu.Lock()
	if _, ok := h.queued[ref]; !ok {
		h.queued[ref] = struct{}{}
		h.pending = append(h.pending, ref)
	}
	h.mu.Unlock()
	select {
	case h.woken <- struct{}{}:
	default:
	}
}

// Woken receives a value after Notify queued claws; Take returns them.
func (h *Hub) Woken() <-chan struct{} { return h.woken }

// Take returns the claws notified since the last Take, oldest first, and
// empties the queue.
func (h *Hub) Take() []claw.Ref {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.pending
	h.pending = nil
	clear(h.queued)
	return out
}

// Watch returns a channel closed when Ended reports the event's run
// ended on this node, and a function to stop watching. Callers check the
// event's stored status after calling Watch, so that an end that came
// first is not missed.
func (h *Hub) Watch(ref claw.Ref, eventID int64) (<-chan struct{}, func()) {
	k := eventKey{ref, eventID}
	ch := make(chan struct{})
	h.mu.Lock()
	h.watchers[k] = append(h.watchers[k], ch)
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		list := slices.DeleteFunc(h.watchers[k], func(c chan struct{}) bool { return c == ch })
		if len(list) == 0 {
			delete(h.watchers, k)
		} else {
			h.watchers[k] = list
		}
	}
}

// Ended wakes the watchers of an event whose run ended (its outcome is
// stored).
func (h *Hub) Ended(ref claw.Ref, eventID int64) {
	k := eventKey{ref, eventID}
	h.mu.Lock()
	list := h.watchers[k]
	delete(h.watchers, k)
	h.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}
