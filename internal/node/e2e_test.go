package node_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/nodetest"
)

// TestWebhooksStandardLibrary signs deliveries with the standardwebhooks
// npm library: accepted, a replay runs once, a bad signature and a stale
// timestamp get 401.
func TestWebhooksStandardLibrary(t *testing.T) {
	t.Parallel()
	nodetest.Dir(t) // skip before starting a node when node is missing
	b := setupEnv(t, llmtest.Echo, map[string]string{"HOOK_SECRET": envSecret}, "")
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(hookSpec)); err != nil {
		t.Fatal(err)
	}
	out := nodetest.Run(t, "webhooks.mjs", []string{
		"REEF_HOOK_URL=" + b.node.URL() + "/hooks/hooked/billing",
		"REEF_HOOK_SECRET=" + hookSecret,
	})
	var res struct {
		ID      string `json:"id"`
		EventID int64  `json:"event_id"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	ev, err := b.client.Event(ctx, "hooked", res.EventID, time.Minute)
	if err != nil || ev.Reply != "echo: Invoice in_42 is paid (standardwebhooks, id "+res.ID+")" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	runs, err := b.client.Runs(ctx, "hooked", 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %+v, %v: the replay ran again or a rejected delivery was stored", runs, err)
	}
	if n := b.model.CallCount(); n != 1 {
		t.Fatalf("model calls = %d", n)
	}
}

// TestOpenAIClient drives the endpoints with the official openai package.
func TestOpenAIClient(t *testing.T) {
	t.Parallel()
	nodetest.Dir(t)
	b := setup(t, llmtest.Echo, "")
	if _, err := b.client.Apply(t.Context(), []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	out := nodetest.Run(t, "openai.mjs", []string{"REEF_URL=" + b.node.URL(), "REEF_TOKEN=" + b.client.Token, "REEF_CLAW=hello"})
	var res struct {
		Models   []string `json:"models"`
		Reply    string   `json:"reply"`
		Streamed string   `json:"streamed"`
		Chunks   int      `json:"chunks"`
		Final    string   `json:"final"`
		NotFound int      `json:"not_found"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if res.Reply != "echo: hello from the openai client" || res.Streamed != "echo: stream this please" || res.Chunks < 2 ||
		res.Final != "echo: once more" || res.NotFound != 404 || len(res.Models) != 1 {
		t.Fatalf("openai client saw %+v", res)
	}
	calls := b.model.Calls()
	if len(calls) != 3 || calls[0].Stream || !calls[1].Stream || !calls[2].Stream {
		t.Fatalf("model calls: %d (streamed: want false, true, true)", len(calls))
	}
}
