package agent_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// TestOnText checks that a listener gets each model call's text deltas as
// the call streams, and that calls without a listener do not stream.
func TestOnText(t *testing.T) {
	t.Parallel()
	b := setup(t,
		llmtest.Reply{Text: "Let me check.", ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": "ping"})}},
		llmtest.Reply{Text: "The echo said ping, all fine."},
		llmtest.Reply{Text: "unheard"},
	)
	var mu sync.Mutex
	got := map[int]*strings.Builder{}
	var asked []string
	b.runner.OnText = func(ev claw.Event, step int) func(string) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, ev.Text)
		if ev.Text != "listened" {
			return nil
		}
		got[step] = &strings.Builder{}
		return func(d string) {
			mu.Lock()
			got[step].WriteString(d)
			mu.Unlock()
		}
	}
	c := b.apply(t, spec)
	b.send(t, c, "main", "listened")
	ev, err := b.process(t, c)
	if err != nil || ev.Reply != "The echo said ping, all fine." {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	b.send(t, c, "main", "not listened")
	if _, err := b.process(t, c); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[1].String() != "Let me check." || got[3].String() != "The echo said ping, all fine." {
		t.Fatalf("deltas by step = %v", got)
	}
	if strings.Join(asked, ",") != "listened,listened,not listened" {
		t.Fatalf("asked for %v", asked)
	}
	calls := b.model.Calls()
	if len(calls) != 3 || !calls[0].Stream || !calls[1].Stream || calls[2].Stream {
		t.Fatalf("stream flags: %v %v %v", calls[0].Stream, calls[1].Stream, calls[2].Stream)
	}
}
