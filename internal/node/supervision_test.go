package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/cli"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/tool"
)

// panicTool panics on every call: a claw bug the supervisor must contain.
type panicTool struct{}

func (panicTool) Name() string            { return "explode" }
func (panicTool) Description() string     { return "panics" }
func (panicTool) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (panicTool) Idempotent() bool        { return false }
func (panicTool) Call(context.Context, tool.Env, json.RawMessage) (string, error) {
	panic("tool exploded")
}

// toolThenText calls tool with args for messages starting with prefix and
// answers "done" once the tool's result is in; other messages are echoed.
func toolThenText(prefix, name string, args any) llmtest.Handler {
	return func(c llmtest.Call) llmtest.Reply {
		last := c.Messages[len(c.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Text: "done: " + last.Content}
		}
		if strings.HasPrefix(c.LastUserText(), prefix) {
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", name, args)}}
		}
		return llmtest.Echo(c)
	}
}

func setupOpts(t *testing.T, handler llmtest.Handler, opts node.Options) *bundle {
	t.Helper()
	model := llmtest.NewTest(t, handler)
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	zero := 0
	p := b.cfg.Providers["fake"]
	p.MaxRetries = &zero
	b.cfg.Providers["fake"] = p
	opts.DataDir, opts.Addr, opts.Config = b.data, "127.0.0.1:0", b.cfg
	n, err := node.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	tok, _ := os.ReadFile(node.TokenFile(b.data))
	b.node, b.client = n, client.New(n.URL(), strings.TrimSpace(string(tok)))
	return b
}

func runCLI(t *testing.T, b *bundle, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	args = append(args, "--server", b.node.URL(), "--data", b.data)
	if err := cli.Run(t.Context(), env, args); err != nil {
		t.Fatalf("reef %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestCrashloopAndRestart(t *testing.T) {
	t.Parallel()
	parked := make(chan bool, 8)
	b := setupOpts(t, toolThenText("boom", "explode", map[string]any{}), node.Options{
		Tools:     []tool.Tool{panicTool{}},
		Supervise: supervise.Config{BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, OnCrash: func(_ claw.Ref, _ error, p bool) { parked <- p }},
	})
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte("name: bomb\nmodel: fake/m\ntools: [explode]\nsupervision: {max_restarts: 2}\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"boom 1", "boom 2", "boom 3", "boom 4"} {
		if _, err := b.client.Send(ctx, "bomb", api.MessageRequest{Text: text}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if p := <-parked; p != (i == 2) {
			t.Fatalf("crash %d: parked = %v", i+1, p)
		}
	}
	c, err := b.client.Get(ctx, "bomb")
	if err != nil || c.State != claw.StateCrashloop || c.Restarts != 3 || !strings.Contains(c.LastError, "panic: tool exploded") {
		t.Fatalf("parked claw = %+v, %v", c, err)
	}
	// Another claw answers meanwhile.
	if r, err := b.client.Send(ctx, "hello", api.MessageRequest{Text: "still here"}, 10*time.Second); err != nil || r.Reply != "echo: still here" {
		t.Fatalf("other claw = %+v, %v", r, err)
	}
	if out := runCLI(t, b, "claws"); !strings.Contains(out, "crashloop") || !strings.Contains(out, "panic: tool exploded") {
		t.Fatalf("reef claws:\n%s", out)
	}
	// The fourth event waited; restart runs it (it crashes too, counted
	// afresh), and a plain message then succeeds.
	if out := runCLI(t, b, "restart", "bomb"); !strings.Contains(out, "claw/bomb restarted") {
		t.Fatalf("reef restart: %s", out)
	}
	if p := <-parked; p {
		t.Fatal("parked again after one crash")
	}
	r, err := b.client.Send(ctx, "bomb", api.MessageRequest{Text: "calm now"}, 10*time.Second)
	if err != nil || r.Status != claw.EventCompleted || r.Reply != "echo: calm now" {
		t.Fatalf("after restart = %+v, %v", r, err)
	}
	// A changed spec also unparks, with an audit record.
	// (The crash of "boom 4" after the restart counts: two more park it.)
	for range 2 {
		if _, err := b.client.Send(ctx, "bomb", api.MessageRequest{Text: "boom again"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		if p := <-parked; p != (i == 1) {
			t.Fatalf("second loop, crash %d: parked = %v", i+1, p)
		}
	}
	res, err := b.client.Apply(ctx, []byte("name: bomb\nmodel: fake/m\ntools: [explode]\nsupervision: {max_restarts: 3}\n"))
	if err != nil || res.Claw.State == claw.StateCrashloop {
		t.Fatalf("apply of a changed spec = %+v, %v", res, err)
	}
	out := runCLI(t, b, "audit", "bomb")
	if !strings.Contains(out, "unpark") {
		t.Fatalf("reef audit lacks the unpark:\n%s", out)
	}
	for _, want := range []string{"crash ", "crashloop", "restart", "admin"} {
		if !strings.Contains(out, want) {
			t.Fatalf("reef audit lacks %q:\n%s", want, out)
		}
	}
}

func TestModelHTTP500ThenSuccess(t *testing.T) {
	t.Parallel()
	b := setupOpts(t, func(c llmtest.Call) llmtest.Reply {
		if c.LastUserText() == "fail" {
			return llmtest.Reply{Status: 500, ErrorMessage: "the model server broke"}
		}
		return llmtest.Echo(c)
	}, node.Options{})
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	r, err := b.client.Send(ctx, "hello", api.MessageRequest{Text: "fail"}, 10*time.Second)
	if err != nil || r.Status != claw.EventFailed || !strings.Contains(r.Error, "500") || !strings.Contains(r.Error, "the model server broke") {
		t.Fatalf("failed event = %+v, %v", r, err)
	}
	r, err = b.client.Send(ctx, "hello", api.MessageRequest{Text: "fine"}, 10*time.Second)
	if err != nil || r.Status != claw.EventCompleted || r.Reply != "echo: fine" {
		t.Fatalf("next event = %+v, %v", r, err)
	}
	if c, _ := b.client.Get(ctx, "hello"); c.State == claw.StateCrashloop || c.Restarts != 0 {
		t.Fatalf("a model error counted as a crash: %+v", c)
	}
}

func TestApprovalSurvivesRestart(t *testing.T) {
	t.Parallel()
	handler := toolThenText("write", "write_file", map[string]string{"path": "notes/note.txt", "content": "hi"})
	model := llmtest.NewTest(t, handler)
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	b.start(t, "")
	ctx := t.Context()
	spec := "name: scribe\nmodel: fake/m\ntools: [write_file, read_file]\napproval: [write_file]\napproval_timeout: 1h\n"
	if _, err := b.client.Apply(ctx, []byte(spec)); err != nil {
		t.Fatal(err)
	}
	// The run stops before the tool call; the long poll ends with the
	// event still running.
	r, err := b.client.Send(ctx, "scribe", api.MessageRequest{Text: "write a note"}, 10*time.Second)
	if err != nil || r.Status != claw.EventRunning {
		t.Fatalf("send = %+v, %v", r, err)
	}
	queued, err := b.client.Send(ctx, "scribe", api.MessageRequest{Text: "after"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := b.client.Get(ctx, "scribe"); c.State != claw.StateAwaitingApproval {
		t.Fatalf("claw state = %s", c.State)
	}
	ws := filepath.Join(b.data, "workspaces", "default", "scribe", "notes", "note.txt")
	if _, err := os.Stat(ws); !os.IsNotExist(err) {
		t.Fatal("the tool ran before approval")
	}
	// A node restart keeps the request.
	if err := b.node.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b.start(t, "")
	out := runCLI(t, b, "approvals")
	if !strings.Contains(out, "scribe") || !strings.Contains(out, "write_file") || !strings.Contains(out, "pending") {
		t.Fatalf("reef approvals:\n%s", out)
	}
	if c, _ := b.client.Get(ctx, "scribe"); c.State != claw.StateAwaitingApproval {
		t.Fatalf("claw state after restart = %s", c.State)
	}
	if out := runCLI(t, b, "approve", "1"); !strings.Contains(out, "approved") {
		t.Fatalf("reef approve: %s", out)
	}
	ev, err := b.client.Event(ctx, "scribe", r.EventID, 10*time.Second)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "done: wrote 2 bytes to notes/note.txt" {
		t.Fatalf("approved event = %+v, %v", ev, err)
	}
	if data, err := os.ReadFile(ws); err != nil || string(data) != "hi" {
		t.Fatalf("note = %q, %v", data, err)
	}
	if ev, err := b.client.Event(ctx, "scribe", queued.EventID, 10*time.Second); err != nil || ev.Reply != "echo: after" {
		t.Fatalf("queued event = %+v, %v", ev, err)
	}
	// Deny: the model reads the reason.
	r, _ = b.client.Send(ctx, "scribe", api.MessageRequest{Text: "write again"}, 10*time.Second)
	if out := runCLI(t, b, "deny", "3", "--reason", "no more notes"); !strings.Contains(out, "denied") {
		t.Fatalf("reef deny: %s", out)
	}
	ev, err = b.client.Event(ctx, "scribe", r.EventID, 10*time.Second)
	if err != nil || ev.Reply != "done: error: the operator denied this call of write_file: no more notes" {
		t.Fatalf("denied event = %+v, %v", ev, err)
	}
}

func TestDrainRefusesNewEvents(t *testing.T) {
	t.Parallel()
	b := setupOpts(t, llmtest.Echo, node.Options{})
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	// With its actor still awake, a paused claw shows paused at once.
	if _, err := b.client.Send(ctx, "hello", api.MessageRequest{Text: "wake"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if c, err := b.client.Pause(ctx, "hello"); err != nil || c.State != claw.StatePaused {
		t.Fatalf("pause = %+v, %v", c, err)
	}
	b.node.API.SetDraining()
	if _, err := b.client.Send(ctx, "hello", api.MessageRequest{Text: "late"}, 0); apiStatus(err) != 503 {
		t.Fatalf("send while draining: %v", err)
	}
	if _, err := b.client.Get(ctx, "hello"); err != nil {
		t.Fatalf("reads stop while draining: %v", err)
	}
}
