// Package clawtool lets claws talk to each other within their tenant:
// ask_claw puts a question in another claw's mailbox and waits for the
// answer; message_claw puts a message there and returns at once, and the
// answer comes back later as a new event (kind claw_reply) through the
// outbox. Every such event records the claw, run and event that caused it
// and its hop count; a claw may not send one past its spec's
// limits.max_hops (default 4), which stops loops. Since a claw handles one
// event at a time, ask_claw refuses a question to itself or to a claw
// that is waiting, directly or through others, for the asker's answer: it
// would deadlock until the timeout.
package clawtool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/tool"
)

// Mailbox wakes claws and reports the end of their events (the node's
// wake.Hub).
type Mailbox interface {
	Notify(ref claw.Ref)
	Watch(ref claw.Ref, eventID int64) (<-chan struct{}, func())
}

// DefaultAskTimeout is how long ask_claw waits for an answer by default.
const DefaultAskTimeout = 5 * time.Minute

// MaxMessage bounds the text one claw sends another.
const MaxMessage = 256 << 10

// SessionOf is the session, in the receiving claw, of the messages a claw
// sends it: one conversation per asking claw.
func SessionOf(asker string) string { return "claw:" + asker }

type args struct {
	Claw    *string `json:"claw"`
	Message *string `json:"message"`
}

const schema = `{"type":"object","properties":{` +
	`"claw":{"type":"string","description":"Name of the claw to send to (in this tenant)."},` +
	`"message":{"type":"string","description":"The message for that claw."}},` +
	`"required":["claw","message"],"additionalProperties":false}`

// sender is what both tools share.
type sender struct {
	store   store.Mailbox
	mailbox Mailbox
}

// send validates a call and enqueues its event into the target's mailbox.
func (s sender) send(ctx context.Context, env tool.Env, kind string, raw json.RawMessage) (claw.Event, claw.Ref, error) {
	var a args
	if err := json.Unmarshal(raw, &a); err != nil {
		return claw.Event{}, claw.Ref{}, fmt.Errorf("arguments must be a JSON object: %w", err)
	}
	switch {
	case a.Claw == nil || *a.Claw == "":
		return claw.Event{}, claw.Ref{}, errors.New(`missing required argument "claw"`)
	case a.Message == nil || *a.Message == "":
		return claw.Event{}, claw.Ref{}, errors.New(`missing required argument "message"`)
	case len(*a.Message) > MaxMessage:
		return claw.Event{}, claw.Ref{}, fmt.Errorf("message over %d bytes", MaxMessage)
	}
	target, from := *a.Claw, env.Claw
	hops, max := env.Event.Hops+1, from.Spec.Limits.WithDefaults().MaxHops
	if hops > max {
		return claw.Event{}, claw.Ref{}, fmt.Errorf("hop limit reached: this event is already %d hops from where it began (limits.max_hops %d); answer without involving another claw", env.Event.Hops, max)
	}
	if kind == claw.KindAsk {
		if err := s.checkCycle(ctx, env, target); err != nil {
			return claw.Event{}, claw.Ref{}, err
		}
	}
	prefix := "msg:"
	if kind == claw.KindAsk {
		prefix = "ask:"
	}
	// Keyed on the asking run and call: a resumed run finds its event.
	key := prefix + from.Name + ":" + strconv.FormatInt(env.RunID, 10) + ":" + env.CallID
	ev, created, err := s.store.Enqueue(ctx, claw.Ref{Tenant: from.Tenant, Name: target}, claw.NewEvent{
		Kind: kind, IdempotencyKey: key, Session: SessionOf(from.Name), Text: *a.Message,
		Hop: claw.Hop{ParentClaw: from.Name, ParentRunID: env.RunID, ParentEventID: env.Event.ID, Hops: hops},
	})
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return claw.Event{}, claw.Ref{}, fmt.Errorf("no claw %q in this tenant", target)
	}
	if err != nil {
		return claw.Event{}, claw.Ref{}, err
	}
	ref := claw.Ref{Tenant: from.Tenant, Name: target}
	if created {
		s.mailbox.Notify(ref)
	}
	return ev, ref, nil
}

// checkCycle refuses an ask that would wait on a claw that is itself
// waiting for this run's answer: the asker, and every claw up the chain of
// asks that led to this event.
func (s sender) checkCycle(ctx context.Context, env tool.Env, target string) error {
	if target == env.Claw.Name {
		return errors.New("a claw cannot ask itself: it handles one event at a time, so it would wait for itself; answer directly, or use message_claw")
	}
	ev := env.Event
	for range 64 {
		if ev.Kind != claw.KindAsk || ev.ParentClaw == "" {
			return nil
		}
		if ev.ParentClaw == target {
			return fmt.Errorf("claw %q is waiting for this answer (it asked, directly or through others), so asking it back would deadlock; answer it instead", target)
		}
		parent, err := s.store.GetEvent(ctx, claw.Ref{Tenant: env.Claw.Tenant, Name: ev.ParentClaw}, ev.ParentEventID)
		if claw.ErrorCode(err) == claw.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		ev = parent
	}
	return nil
}

// Ask is the ask_claw tool.
type Ask struct {
	sender
	Timeout time.Duration // default DefaultAskTimeout
}

// NewAsk returns the ask_claw tool.
func NewAsk(st store.Mailbox, mb Mailbox, timeout time.Duration) *Ask {
	if timeout <= 0 {
		timeout = DefaultAskTimeout
	}
	return &Ask{sender: sender{store: st, mailbox: mb}, Timeout: timeout}
}

var _ tool.Tool = (*Ask)(nil)

// Name is "ask_claw".
func (*Ask) Name() string { return "ask_claw" }

// Description tells the model what ask_claw does.
func (*Ask) Description() string {
	return "Ask another claw (agent) of this tenant a question and wait for its answer. Returns the answer."
}

// Schema requires "claw" and "message".
func (*Ask) Schema() json.RawMessage { return json.RawMessage(schema) }

// Idempotent is true: a resumed call finds the event it sent by its key
// and waits for that one.
func (*Ask) Idempotent() bool { return true }

// Call sends the question and waits for the answer.
func (a *Ask) Call(ctx context.Context, env tool.Env, raw json.RawMessage) (string, error) {
	ev, ref, err := a.send(ctx, env, claw.KindAsk, raw)
	if err != nil {
		return "", err
	}
	if !ev.Done() {
		ended, stop := a.mailbox.Watch(ref, ev.ID)
		defer stop()
		if ev, err = a.store.GetEvent(ctx, ref, ev.ID); err != nil {
			return "", err
		}
		if !ev.Done() {
			if err := a.wait(ctx, env, ended); err != nil {
				return "", fmt.Errorf("claw %q: %w (its event %d stays in its mailbox)", ref.Name, err, ev.ID)
			}
			if ev, err = a.store.GetEvent(ctx, ref, ev.ID); err != nil {
				return "", err
			}
		}
	}
	if ev.Status == claw.EventFailed {
		return "", fmt.Errorf("claw %q failed to answer: %s", ref.Name, ev.Error)
	}
	return ev.Reply, nil
}

// wait waits for ended, the timeout or ctx, with the run's worker slot
// lent out meanwhile.
func (a *Ask) wait(ctx context.Context, env tool.Env, ended <-chan struct{}) error {
	if env.Lend != nil {
		reclaim := env.Lend()
		defer reclaim()
	}
	t := time.NewTimer(a.Timeout)
	defer t.Stop()
	select {
	case <-ended:
		return nil
	case <-t.C:
		return fmt.Errorf("no answer within %s", a.Timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Message is the message_claw tool.
type Message struct{ sender }

// NewMessage returns the message_claw tool.
func NewMessage(st store.Mailbox, mb Mailbox) *Message {
	return &Message{sender: sender{store: st, mailbox: mb}}
}

var _ tool.Tool = (*Message)(nil)

// Name is "message_claw".
func (*Message) Name() string { return "message_claw" }

// Description tells the model what message_claw does.
func (*Message) Description() string {
	return "Send a message to another claw (agent) of this tenant without waiting. Its answer arrives later as a new message to you."
}

// Schema requires "claw" and "message".
func (*Message) Schema() json.RawMessage { return json.RawMessage(schema) }

// Idempotent is true: a repeated call is the same event by its key.
func (*Message) Idempotent() bool { return true }

// Call sends the message.
func (m *Message) Call(ctx context.Context, env tool.Env, raw json.RawMessage) (string, error) {
	ev, ref, err := m.send(ctx, env, claw.KindClawMessage, raw)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Sent to claw %q (event %d). Its answer will arrive later as a new message.", ref.Name, ev.ID), nil
}
