package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
)

func TestImportOpenClaw(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	root := t.TempDir()
	ws := filepath.Join(root, "workspace")
	for name, body := range map[string]string{
		"openclaw.json":        `{agents: {defaults: {workspace: "` + ws + `", model: {primary: "fake/m1"}}, list: [{id: "Main", identity: {name: "Crab"}}]}, channels: {}}`,
		"workspace/SOUL.md":    "You are Pinch, a sardonic crab.",
		"workspace/AGENTS.md":  "Reply in exactly one sentence.",
		"workspace/notes/a.md": "extra file",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := b.ok(t, "import", "openclaw", ws)
	for _, want := range []string{"claw/main created (v1, model fake/m1)", "(Main)", "copied 3 files", "unmapped:", "channels", "agents entry identity"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if got := b.ok(t, "send", "main", "hello", "--wait"); got != "echo: hello\n" {
		t.Fatalf("send = %q", got)
	}
	first := b.model.Calls()[0].System
	for _, want := range []string{"You are Pinch, a sardonic crab.", "Reply in exactly one sentence."} {
		if !strings.Contains(first, want) {
			t.Errorf("first request's system prompt lacks %q:\n%s", want, first)
		}
	}
	if _, err := os.Stat(filepath.Join(b.data, "workspaces", "default", "main", "notes", "a.md")); err != nil {
		t.Errorf("workspace file not copied: %v", err)
	}
	// The workspace upload stays inside the workspace.
	c := client.New(b.node.URL(), strings.TrimSpace(readFile(t, filepath.Join(b.data, "admin.token"))))
	for _, bad := range []string{"../escape.md", "a/../../escape.md", "/etc/passwd"} {
		if err := c.PutWorkspaceFile(t.Context(), "main", bad, []byte("x")); err == nil {
			t.Errorf("PutWorkspaceFile(%q) accepted", bad)
		}
	}
	if err := c.PutWorkspaceFile(t.Context(), "nope", "a.md", []byte("x")); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("upload to an unknown claw = %v", err)
	}
	// --name and --model override; a bad model is refused by the node.
	if r := b.run(t, "", nil, "import", "openclaw", ws, "--name", "x", "--model", "nope/m"); r.err == nil || !strings.Contains(r.err.Error(), "nope") {
		t.Fatalf("import with an unknown provider = %v", r.err)
	}
}

func TestSessionsCommands(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	b.ok(t, "send", "hello", "first words", "--session", "s1", "--wait")
	b.ok(t, "send", "hello", "other", "--session", "s2", "--wait")
	out := b.ok(t, "sessions", "hello")
	if !strings.Contains(out, "SESSION") || strings.Index(out, "s2") > strings.Index(out, "s1") || !strings.Contains(out, "s1  ") {
		t.Fatalf("sessions:\n%s", out)
	}
	out = b.ok(t, "session", "show", "hello", "s1")
	if !strings.Contains(out, "user: first words") || !strings.Contains(out, "assistant: echo: first words") {
		t.Fatalf("session show:\n%s", out)
	}
	out = b.ok(t, "session", "reset", "hello", "s1")
	if !strings.Contains(out, "reset") {
		t.Fatalf("session reset: %s", out)
	}
	b.ok(t, "send", "hello", "after reset", "--session", "s1", "--wait")
	calls := b.model.Calls()
	if m := calls[len(calls)-1].Messages; len(m) != 1 || m[0].Content != "after reset" {
		t.Fatalf("request after reset = %+v", m)
	}
	out = b.ok(t, "session", "show", "hello", "s1")
	if !strings.Contains(out, "first words") || !strings.Contains(out, "--- reset") {
		t.Fatalf("session show after reset:\n%s", out)
	}
	for _, args := range [][]string{{"session"}, {"session", "drop", "hello", "s1"}, {"session", "show", "hello"}, {"import", "elsewhere", "x"}} {
		if r := b.run(t, "", nil, args...); exitCode(r.err) != 2 {
			t.Errorf("reef %v = %v, want usage error", args, r.err)
		}
	}
	if r := b.run(t, "", nil, "session", "show", "hello", "nope"); r.err == nil || !strings.Contains(r.err.Error(), "not found") {
		t.Errorf("unknown session = %v", r.err)
	}
}

// TestMemoryAcrossRestart: memory_write, a node restart, then
// memory_search finds the fact.
func TestMemoryAcrossRestart(t *testing.T) {
	t.Parallel()
	model := llmtest.NewTest(t, func(c llmtest.Call) llmtest.Reply {
		last := c.Messages[len(c.Messages)-1]
		switch {
		case last.Role == llm.RoleTool:
			return llmtest.Reply{Text: "tool said: " + last.Content}
		case strings.Contains(last.Content, "remember"):
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", "memory_write", map[string]any{"text": "The user's locker code is 4711.", "tags": []string{"codes"}})}}
		default:
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", "memory_search", map[string]any{"query": "locker code"})}}
		}
	})
	cfg := config.Default()
	cfg.Providers = map[string]config.Provider{"fake": {Kind: config.KindOpenAI, BaseURL: model.URL() + "/v1", APIKey: "k"}}
	data := t.TempDir()
	start := func() *bundle {
		n, err := node.Open(t.Context(), node.Options{DataDir: data, Addr: "127.0.0.1:0", Config: cfg, Version: nodeVersion})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		return &bundle{node: n, model: model, data: data, env: map[string]string{"REEF_SERVER": n.URL(), "REEF_DATA": data}}
	}
	b := start()
	b.ok(t, "apply", "-f", writeSpec(t, "name: keeper\nmodel: fake/m1\ntools: [memory_write, memory_search]\n"))
	if got := b.ok(t, "send", "keeper", "please remember my locker code 4711", "--wait"); !strings.Contains(got, `"stored":true`) {
		t.Fatalf("write reply = %q", got)
	}
	if err := b.node.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	b = start()
	t.Cleanup(func() { b.node.Stop(t.Context()) })
	b.ok(t, "session", "reset", "keeper", "main") // nothing of the first talk in the context
	got := b.ok(t, "send", "keeper", "what is my locker code?", "--wait")
	if !strings.Contains(got, "The user's locker code is 4711.") || !strings.Contains(got, `"codes"`) {
		t.Fatalf("search reply after restart = %q", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
