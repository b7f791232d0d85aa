package node_test

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/supervise"
)

func lastMessage(c llmtest.Call) llm.Message { return c.Messages[len(c.Messages)-1] }

// askHandler plays two claws: "asker" asks b (or itself, or a claw that
// does not exist) per its user message; "b" answers "four", or asks asker
// back when told to bounce. A tool result is echoed as "result: ...".
func askHandler(c llmtest.Call) llmtest.Reply {
	last := lastMessage(c)
	if last.Role == llm.RoleTool {
		return llmtest.Reply{Text: "result: " + last.Content}
	}
	ask := func(target, msg string) llmtest.Reply {
		return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "ask_claw", map[string]string{"claw": target, "message": msg})}}
	}
	switch c.System {
	case "asker":
		switch last.Content {
		case "ask b":
			return ask("b", "what is 2+2?")
		case "bounce":
			return ask("b", "bounce")
		case "ask self":
			return ask("asker", "hi me")
		case "ask missing":
			return ask("nope", "anyone?")
		}
	case "b":
		if last.Content == "bounce" {
			return ask("asker", "back to you")
		}
		return llmtest.Reply{Text: "four"}
	}
	return llmtest.Echo(c)
}

const askerSpec = "name: asker\nmodel: fake/m\ninstructions: asker\ntools: [ask_claw]\n"
const bSpec = "name: b\nmodel: fake/m\ninstructions: b\ntools: [ask_claw]\n"

func TestAskClaw(t *testing.T) {
	t.Parallel()
	b := setup(t, askHandler, "")
	ctx := t.Context()
	for _, s := range []string{askerSpec, bSpec} {
		if _, err := b.client.Apply(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send := func(text string) api.EventResponse {
		t.Helper()
		res, err := b.client.Send(ctx, "asker", api.MessageRequest{Text: text}, 30*time.Second)
		if err != nil || res.Status != claw.EventCompleted {
			t.Fatalf("send %q = %+v, %v", text, res, err)
		}
		return res
	}
	res := send("ask b")
	if res.Reply != "result: four" {
		t.Fatalf("reply = %q", res.Reply)
	}
	// The hop is traced on b's run and event.
	runs, err := b.client.Runs(ctx, "b", 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("b's runs = %+v, %v", runs, err)
	}
	want := claw.Hop{ParentClaw: "asker", ParentRunID: res.RunID, ParentEventID: res.EventID, Hops: 1}
	if runs[0].Hop != want || runs[0].Session != "claw:asker" {
		t.Fatalf("b's run trace = %+v, session %q; want %+v", runs[0].Hop, runs[0].Session, want)
	}
	ev, err := b.client.Event(ctx, "b", runs[0].EventID, 0)
	if err != nil || ev.Hop != want || ev.Kind != claw.KindAsk || ev.Reply != "four" {
		t.Fatalf("b's event = %+v, %v", ev, err)
	}

	// Asking oneself, or a claw that waits for the answer, fails at once
	// instead of deadlocking; so does asking a claw that does not exist.
	if res := send("ask self"); !strings.Contains(res.Reply, "cannot ask itself") {
		t.Fatalf("ask self: %q", res.Reply)
	}
	if res := send("bounce"); !strings.Contains(res.Reply, `claw "asker" is waiting for this answer`) {
		t.Fatalf("cycle: %q", res.Reply)
	}
	if res := send("ask missing"); !strings.Contains(res.Reply, `no claw "nope"`) {
		t.Fatalf("missing: %q", res.Reply)
	}
}

// pingPong plays two claws that answer every message from the other by
// sending it one more (message_claw): a loop only the hop limit stops.
type pingPong struct {
	once, onceReply sync.Once
	stopped         chan struct{} // a send was refused by the hop limit
	replied         chan struct{} // an answer came back as a claw_reply event
}

func (p *pingPong) handle(c llmtest.Call) llmtest.Reply {
	last := lastMessage(c)
	if last.Role == llm.RoleTool {
		if strings.Contains(last.Content, "hop limit reached") {
			p.once.Do(func() { close(p.stopped) })
		}
		return llmtest.Reply{Text: "sent"}
	}
	if strings.HasPrefix(last.Content, "Answer from claw") {
		p.onceReply.Do(func() { close(p.replied) })
		return llmtest.Reply{Text: "noted"}
	}
	other := map[string]string{"ping": "pong", "pong": "ping"}[c.System]
	return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("m1", "message_claw", map[string]string{"claw": other, "message": "ball"})}}
}

func TestMessageClawLoopStoppedByHopLimit(t *testing.T) {
	t.Parallel()
	p := &pingPong{stopped: make(chan struct{}), replied: make(chan struct{})}
	b := setup(t, p.handle, "")
	ctx := t.Context()
	for _, name := range []string{"ping", "pong"} {
		spec := "name: " + name + "\nmodel: fake/m\ninstructions: " + name + "\ntools: [message_claw]\nlimits: {max_hops: 3}\n"
		if _, err := b.client.Apply(ctx, []byte(spec)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := b.client.Send(ctx, "ping", api.MessageRequest{Text: "serve"}, 30*time.Second)
	if err != nil || res.Reply != "sent" {
		t.Fatalf("serve = %+v, %v", res, err)
	}
	waitFor(t, p.stopped)
	waitFor(t, p.replied)
	// user → ping (hop 0) → pong (1) → ping (2) → pong (3), whose send
	// (hop 4) the limit of 3 refused.
	runs, err := b.client.Runs(ctx, "pong", 20)
	if err != nil {
		t.Fatal(err)
	}
	var refused bool
	for _, r := range runs {
		if r.Hops > 3 {
			t.Fatalf("pong ran an event of %d hops", r.Hops)
		}
		view, err := b.client.Run(ctx, "pong", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range view.StepList {
			if s.Kind == claw.StepTool && strings.Contains(s.Error, "hop limit reached") {
				refused = r.Hops == 3 && r.ParentClaw == "ping"
			}
		}
	}
	if !refused {
		t.Fatalf("no refused send at hop 3 among pong's runs %+v", runs)
	}
}

// With one worker, a claw waiting on another lends it its slot instead of
// deadlocking.
func TestAskClawOneWorker(t *testing.T) {
	t.Parallel()
	model := llmtest.NewTest(t, askHandler)
	data := t.TempDir()
	n, err := node.Open(t.Context(), node.Options{DataDir: data, Addr: "127.0.0.1:0", Config: testConfig(model),
		Supervise: supervise.Config{Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(t.Context()) })
	tok, _ := os.ReadFile(node.TokenFile(data))
	c := client.New(n.URL(), strings.TrimSpace(string(tok)))
	for _, s := range []string{askerSpec, bSpec} {
		if _, err := c.Apply(t.Context(), []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.Send(t.Context(), "asker", api.MessageRequest{Text: "ask b"}, 30*time.Second)
	if err != nil || res.Reply != "result: four" {
		t.Fatalf("reply = %+v, %v", res, err)
	}
}
