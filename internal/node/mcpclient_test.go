package node_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/nodetest"
	"github.com/reefhq/reef/internal/supervise"
)

// A claw with the everything reference server (stdio) calls
// everything__echo and gets the echo back.
func TestMCPClientEverything(t *testing.T) {
	t.Parallel()
	bin := nodetest.Bin(t, "mcp-server-everything")
	handler := func(c llmtest.Call) llmtest.Reply {
		last := c.Messages[len(c.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Text: "got: " + last.Content}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "everything__echo", map[string]string{"message": "hello reef"})}}
	}
	b := setup(t, handler, "")
	ctx := t.Context()
	spec, _ := json.Marshal(claw.Spec{Name: "evr", Model: "fake/m", MCP: []claw.MCPServer{{Name: "everything", Command: bin, Args: []string{"stdio"}, ReadOnly: []string{nodetest.Dir(t)}}}})
	if _, err := b.client.Apply(ctx, spec); err != nil {
		t.Fatal(err)
	}
	res, err := b.client.Send(ctx, "evr", api.MessageRequest{Text: "go"}, 50*time.Second)
	if err != nil || res.Status != claw.EventCompleted || res.Reply != "got: Echo: hello reef" {
		t.Fatalf("reply = %+v, %v", res, err)
	}
	calls := b.model.Calls()
	if !slices.Contains(calls[0].Tools, "everything__echo") || !slices.Contains(calls[0].Tools, "everything__get-sum") {
		t.Fatalf("tools offered = %v", calls[0].Tools)
	}
	if live := b.node.MCP.Live(); !slices.Equal(live, []string{"default/evr/everything"}) {
		t.Fatalf("live connections = %v", live)
	}
	// Deleting the claw closes its connection.
	if err := b.client.Delete(ctx, "evr"); err != nil {
		t.Fatal(err)
	}
	if live := b.node.MCP.Live(); len(live) != 0 {
		t.Fatalf("live connections after delete = %v", live)
	}
}

// A hibernating claw's MCP servers are stopped; the next run starts them.
func TestMCPClientClosedOnHibernate(t *testing.T) {
	t.Parallel()
	bin := nodetest.Bin(t, "mcp-server-everything")
	model := llmtest.NewTest(t, llmtest.Script(
		llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "everything__echo", map[string]string{"message": "one"})}},
		llmtest.Reply{Text: "done"},
	))
	hibernated := make(chan claw.Ref, 4)
	data := t.TempDir()
	n, err := node.Open(t.Context(), node.Options{DataDir: data, Addr: "127.0.0.1:0", Config: testConfig(model),
		Supervise: supervise.Config{IdleTimeout: 20 * time.Millisecond, OnHibernate: func(r claw.Ref) { hibernated <- r }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(t.Context()) })
	tok, _ := os.ReadFile(node.TokenFile(data))
	c := client.New(n.URL(), strings.TrimSpace(string(tok)))
	spec, _ := json.Marshal(claw.Spec{Name: "evr", Model: "fake/m", MCP: []claw.MCPServer{{Name: "everything", Command: bin, Args: []string{"stdio"}, ReadOnly: []string{nodetest.Dir(t)}}}})
	if _, err := c.Apply(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(t.Context(), "evr", api.MessageRequest{Text: "go"}, 50*time.Second)
	if err != nil || res.Reply != "done" {
		t.Fatalf("reply = %+v, %v", res, err)
	}
	if calls := model.Calls(); len(calls) != 2 || calls[1].Messages[len(calls[1].Messages)-1].Content != "Echo: one" {
		t.Fatalf("model calls = %+v", calls)
	}
	select {
	case <-hibernated:
	case <-time.After(20 * time.Second):
		t.Fatal("claw did not hibernate")
	}
	if live := n.MCP.Live(); len(live) != 0 {
		t.Fatalf("live connections after hibernation = %v", live)
	}
}
