package clawtool_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/clawtool"
)

// mailbox records wakes; Watch and Lend are not used by these tests.
type mailbox struct {
	mu    sync.Mutex
	woken []claw.Ref
}

func (m *mailbox) Notify(r claw.Ref) { m.mu.Lock(); m.woken = append(m.woken, r); m.mu.Unlock() }
func (m *mailbox) Watch(claw.Ref, int64) (<-chan struct{}, func()) {
	return make(chan struct{}), func() {}
}
func (m *mailbox) Lend() func() { return func() {} }

func setup(t *testing.T, names ...string) (store.Store, *mailbox) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, n := range names {
		sp := claw.Spec{Name: n, Model: "p/m"}
		canon, _ := json.Marshal(sp)
		if _, err := st.ApplyClaw(t.Context(), claw.DefaultTenant, sp, canon); err != nil {
			t.Fatal(err)
		}
	}
	return st, &mailbox{}
}

func env(name string, ev claw.Event) tool.Env {
	return tool.Env{Claw: claw.Claw{Tenant: claw.DefaultTenant, Name: name, Spec: claw.Spec{Name: name}}, Event: ev, RunID: 5, CallID: "call-1"}
}

func TestMessageClaw(t *testing.T) {
	t.Parallel()
	st, mb := setup(t, "a", "b")
	m := clawtool.NewMessage(st, mb)
	from := env("a", claw.Event{ID: 3, Session: "s", Hop: claw.Hop{Hops: 1}})
	out, err := m.Call(t.Context(), from, json.RawMessage(`{"claw":"b","message":"hi"}`))
	if err != nil || !strings.Contains(out, `Sent to claw "b"`) {
		t.Fatalf("Call = %q, %v", out, err)
	}
	// The same run and call again (a resumed run): the same event, not a
	// second one, and no second wake.
	if _, err := m.Call(t.Context(), from, json.RawMessage(`{"claw":"b","message":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if len(mb.woken) != 1 {
		t.Fatalf("wakes = %v", mb.woken)
	}
	ev, err := st.GetEvent(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, 1)
	if err != nil || ev.Kind != claw.KindClawMessage || ev.Session != "claw:a" ||
		ev.Hop != (claw.Hop{ParentClaw: "a", ParentRunID: 5, ParentEventID: 3, Hops: 2}) {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	if _, err := st.GetEvent(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, 2); claw.ErrorCode(err) != claw.ENOTFOUND {
		t.Fatalf("second event: %v", err)
	}

	for _, tt := range []struct{ args, want string }{
		{`{"message":"x"}`, `missing required argument "claw"`},
		{`{"claw":"b"}`, `missing required argument "message"`},
		{`[1]`, "arguments must be a JSON object"},
		{`{"claw":"zz","message":"x"}`, `no claw "zz"`},
	} {
		if _, err := m.Call(t.Context(), from, json.RawMessage(tt.args)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Call(%s) = %v, want %q", tt.args, err, tt.want)
		}
	}
	deep := env("a", claw.Event{ID: 4, Hop: claw.Hop{Hops: claw.DefaultMaxHops}})
	if _, err := m.Call(t.Context(), deep, json.RawMessage(`{"claw":"b","message":"x"}`)); err == nil || !strings.Contains(err.Error(), "hop limit reached") {
		t.Fatalf("past the hop limit: %v", err)
	}
}

// An answer to message_claw becomes one claw_reply event in the sender's
// session, however often the outbox delivers it.
func TestRepliesDeliver(t *testing.T) {
	t.Parallel()
	st, mb := setup(t, "a", "b")
	orig, _, err := st.Enqueue(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "o", Session: "chat-7", Text: "go"})
	if err != nil {
		t.Fatal(err)
	}
	asked, _, err := st.Enqueue(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "b"}, claw.NewEvent{Kind: claw.KindClawMessage, IdempotencyKey: "m", Session: "claw:a", Text: "q",
		Hop: claw.Hop{ParentClaw: "a", ParentRunID: 1, ParentEventID: orig.ID, Hops: 1}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claw.CallbackPayload{EventID: asked.ID, Claw: "b", RunID: 9, Status: claw.EventCompleted, Reply: "forty-two"})
	r := &clawtool.Replies{Store: st, Mailbox: mb}
	entry := store.OutboxEntry{Tenant: claw.DefaultTenant, Claw: "b", Kind: claw.KindClawReply, Target: "a", Payload: payload}
	for range 2 {
		if err := r.Deliver(t.Context(), entry); err != nil {
			t.Fatal(err)
		}
	}
	var replies []claw.Event
	for id := int64(1); id <= 4; id++ {
		if ev, err := st.GetEvent(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, id); err == nil && ev.Kind == claw.KindClawReply {
			replies = append(replies, ev)
		}
	}
	if len(replies) != 1 {
		t.Fatalf("claw_reply events = %+v", replies)
	}
	got := replies[0]
	if got.Session != "chat-7" || !strings.Contains(got.Text, "forty-two") ||
		got.Hop != (claw.Hop{ParentClaw: "b", ParentRunID: 9, ParentEventID: asked.ID, Hops: 2}) {
		t.Fatalf("reply event = %+v", got)
	}
	// A deleted sender: nothing to deliver, and no retry.
	if err := st.DeleteClaw(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Deliver(t.Context(), entry); err != nil {
		t.Fatalf("Deliver to a deleted claw: %v", err)
	}
}
