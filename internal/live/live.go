// Package live carries the text a model writes during a run, as it
// arrives, from the agent to the API requests waiting on that run's event
// (the streaming OpenAI-compatible endpoint). A request listens by the
// event's tenant, claw and idempotency key before it enqueues the event,
// so that no delta is missed; the agent asks for a sink before each model
// call. Nothing here is durable: a listener on another node, or one that
// arrives late, gets nothing and falls back to the stored reply.
package live

import (
	"sync"

	"github.com/reefhq/reef/internal/claw"
)

// Piece is one text delta of a model call, by the call's step number, or
// (Tool set) a tool call of the run whose result was recorded.
type Piece struct {
	Step int
	Text string

	Tool  string // the tool's name
	Args  string // its arguments, as the model gave them
	Error string // why the call failed; "" when it did not
}

// Hub routes deltas to listeners. The zero value is not usable; use New.
type Hub struct {
	mu    sync.Mutex
	feeds map[key][]*Feed
}

type key struct{ tenant, claw, idem string }

// New returns an empty hub.
func New() *Hub { return &Hub{feeds: map[key][]*Feed{}} }

// Listen registers a feed for the event with the given idempotency key;
// Close the feed when done.
func (h *Hub) Listen(tenant, clawName, idemKey string) *Feed {
	f := &Feed{hub: h, key: key{tenant, clawName, idemKey}, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	h.feeds[f.key] = append(h.feeds[f.key], f)
	h.mu.Unlock()
	return f
}

// Sink returns the function receiving the text deltas of model call step
// of ev's run, or nil when nobody listens (the call then need not stream).
// It is the agent's Runner.OnText.
func (h *Hub) Sink(ev claw.Event, step int) func(delta string) {
	k := key{ev.Tenant, ev.Claw, ev.IdempotencyKey}
	h.mu.Lock()
	feeds := append([]*Feed(nil), h.feeds[k]...)
	h.mu.Unlock()
	if len(feeds) == 0 {
		return nil
	}
	for _, f := range feeds {
		f.put(Piece{Step: step}) // marks the call's start, even without text
	}
	return func(delta string) {
		if delta == "" {
			return
		}
		for _, f := range feeds {
			f.put(Piece{Step: step, Text: delta})
		}
	}
}

// Tool tells ev's listeners of a tool call of its run; failed is why it
// failed, "" when it did not. It is the agent's Runner.OnTool.
func (h *Hub) Tool(ev claw.Event, call claw.ToolCall, failed string) {
	k := key{ev.Tenant, ev.Claw, ev.IdempotencyKey}
	h.mu.Lock()
	feeds := append([]*Feed(nil), h.feeds[k]...)
	h.mu.Unlock()
	for _, f := range feeds {
		f.put(Piece{Tool: call.Name, Args: string(call.Arguments), Error: failed})
	}
}

// Listeners counts the registered feeds.
func (h *Hub) Listeners() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, fs := range h.feeds {
		n += len(fs)
	}
	return n
}

// Feed receives the pieces of one event's run. Writers never block: the
// pieces queue until Take.
type Feed struct {
	hub   *Hub
	key   key
	ready chan struct{}

	mu     sync.Mutex
	pieces []Piece
}

func (f *Feed) put(p Piece) {
	f.mu.Lock()
	f.pieces = append(f.pieces, p)
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// Ready receives a value when pieces may be waiting for Take.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Take returns and removes the queued pieces, oldest first. A Piece with
// empty Text marks the start of a model call.
func (f *Feed) Take() []Piece {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pieces
	f.pieces = nil
	return p
}

// Close unregisters the feed; it is safe to call twice.
func (f *Feed) Close() {
	h := f.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.feeds[f.key]
	for i, g := range list {
		if g == f {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.feeds, f.key)
	} else {
		h.feeds[f.key] = list
	}
}
