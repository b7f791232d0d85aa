package mcptool_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/mcptool"
)

// TestMain doubles as a stdio MCP server when MCPTOOL_TEST_SERVER is set,
// so that stdio tests need nothing but the test binary.
func TestMain(m *testing.M) {
	if os.Getenv("MCPTOOL_TEST_SERVER") == "1" {
		serveStdio()
		return
	}
	// A secret of the node's environment that servers must not inherit.
	os.Setenv("SECRET_KEY", "must-not-leak")
	os.Exit(m.Run())
}

type textArgs struct {
	Text string `json:"text"`
}

func serveStdio() {
	s := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "echo text", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, _ *mcp.CallToolRequest, a textArgs) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Text}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "cwd"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		wd, _ := os.Getwd()
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: wd + "|" + os.Getenv("GREETING") + "|" + os.Getenv("SECRET_KEY")}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "die"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		os.Exit(3)
		return nil, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "hang"}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	})
	mcp.AddTool(s, &mcp.Tool{Name: "fail"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it broke"}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "dotted.name"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "dotted"}}}, nil, nil
	})
	_ = s.Run(context.Background(), &mcp.StdioTransport{})
}

// stdio is a spec entry running this test binary as a server.
func stdio(name string) claw.MCPServer {
	exe, _ := os.Executable()
	return claw.MCPServer{Name: name, Command: exe, Env: map[string]string{"MCPTOOL_TEST_SERVER": "1", "GREETING": "hello"}}
}

type bundle struct {
	m    *mcptool.Manager
	root string
	mu   sync.Mutex
	cmds []*exec.Cmd
}

func setup(t *testing.T, cfg mcptool.Config) *bundle {
	t.Helper()
	b := &bundle{root: t.TempDir()}
	cfg.Workspace = func(c claw.Claw) (string, error) { return filepath.Join(b.root, c.Tenant, c.Name), nil }
	cfg.Command = func(ctx context.Context, c claw.Claw, ws string, s claw.MCPServer) (*exec.Cmd, error) {
		cmd, err := mcptool.DefaultCommand(ctx, c, ws, s)
		b.mu.Lock()
		b.cmds = append(b.cmds, cmd)
		b.mu.Unlock()
		return cmd, err
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Millisecond
	}
	b.m = mcptool.New(cfg)
	t.Cleanup(b.m.Close)
	return b
}

func clawWith(name string, servers ...claw.MCPServer) claw.Claw {
	return claw.Claw{Tenant: "default", Name: name, Version: 1, Spec: claw.Spec{Name: name, Model: "p/m", MCP: servers}}
}

func byName(t *testing.T, ts []tool.Tool, name string) tool.Tool {
	t.Helper()
	for _, tl := range ts {
		if tl.Name() == name {
			return tl
		}
	}
	var names []string
	for _, tl := range ts {
		names = append(names, tl.Name())
	}
	t.Fatalf("no tool %s among %v", name, names)
	return nil
}

func call(t *testing.T, tl tool.Tool, args string) (string, error) {
	t.Helper()
	return tl.Call(t.Context(), tool.Env{}, json.RawMessage(args))
}

func TestStdioTools(t *testing.T) {
	t.Parallel()
	b := setup(t, mcptool.Config{})
	c := clawWith("a", stdio("srv"))
	ts, err := b.m.Tools(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	echo := byName(t, ts, "srv__echo")
	if !echo.Idempotent() || echo.Description() != "echo text" || !strings.Contains(string(echo.Schema()), `"text"`) {
		t.Fatalf("echo tool: idempotent %v, description %q, schema %s", echo.Idempotent(), echo.Description(), echo.Schema())
	}
	if out, err := call(t, echo, `{"text":"hi there"}`); err != nil || out != "hi there" {
		t.Fatalf("echo = %q, %v", out, err)
	}
	ws := filepath.Join(b.root, "default", "a")
	if out, err := call(t, byName(t, ts, "srv__cwd"), `{}`); err != nil || out != ws+"|hello|" {
		t.Fatalf("cwd = %q, %v; want workspace, spec env, no node secrets", out, err)
	}
	if _, err := call(t, byName(t, ts, "srv__fail"), `{}`); err == nil || err.Error() != "it broke" {
		t.Fatalf("fail = %v", err)
	}
	if out, err := call(t, byName(t, ts, "srv__dotted_name"), `{}`); err != nil || out != "dotted" {
		t.Fatalf("dotted = %q, %v", out, err)
	}
	if got := b.m.Live(); len(got) != 1 || got[0] != "default/a/srv" {
		t.Fatalf("Live = %v", got)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, mcptool.Config{})
	s := stdio("srv")
	s.Timeout = claw.Duration(200 * time.Millisecond)
	ts, err := b.m.Tools(t.Context(), clawWith("a", s))
	if err != nil {
		t.Fatal(err)
	}
	_, err = call(t, byName(t, ts, "srv__hang"), `{}`)
	if err == nil || !strings.Contains(err.Error(), "no result within 200ms") {
		t.Fatalf("hang = %v", err)
	}
	// The connection survives a timed-out call.
	if out, err := call(t, byName(t, ts, "srv__echo"), `{"text":"still here"}`); err != nil || out != "still here" {
		t.Fatalf("echo after timeout = %q, %v", out, err)
	}
}

// A server that dies is started again on next use; its death is counted
// and backed off.
func TestRestartAfterDeath(t *testing.T) {
	t.Parallel()
	b := setup(t, mcptool.Config{})
	c := clawWith("a", stdio("srv"))
	ts, err := b.m.Tools(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, byName(t, ts, "srv__die"), `{}`); err == nil {
		t.Fatal("die returned no error")
	}
	// The failed call dropped the session: the next call, through the old
	// tool value, starts the server again (after a 1ms backoff).
	out, err := call(t, byName(t, ts, "srv__echo"), `{"text":"back"}`)
	if out != "back" {
		t.Fatalf("echo after death = %q, %v", out, err)
	}
	b.mu.Lock()
	n := len(b.cmds)
	b.mu.Unlock()
	if n != 2 {
		t.Fatalf("processes started = %d, want 2", n)
	}
}

func TestUnreachableLeftOut(t *testing.T) {
	t.Parallel()
	b := setup(t, mcptool.Config{BaseBackoff: time.Hour, MaxBackoff: time.Hour})
	bad := claw.MCPServer{Name: "bad", Command: filepath.Join(t.TempDir(), "missing")}
	ts, err := b.m.Tools(t.Context(), clawWith("a", bad, stdio("good")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range ts {
		if strings.HasPrefix(tl.Name(), "bad__") {
			t.Fatalf("unreachable server's tool %s offered", tl.Name())
		}
	}
	byName(t, ts, "good__echo")
	// The failure is backed off: a second run does not try again at once.
	start := time.Now()
	if _, err := b.m.Tools(t.Context(), clawWith("a", bad, stdio("good"))); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("second Tools took %s", d)
	}
}

// Connections close when a claw hibernates, when its spec drops or changes
// a server, and when the manager closes; no process or goroutine is left.
// Not parallel: it counts the goroutines of every manager in the process.
func TestLifecycle(t *testing.T) {
	b := setup(t, mcptool.Config{})
	a := clawWith("a", stdio("one"), stdio("two"))
	if _, err := b.m.Tools(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if got := b.m.Live(); len(got) != 2 {
		t.Fatalf("Live = %v", got)
	}
	// The spec drops "two" and changes "one": both old processes end.
	changed := stdio("one")
	changed.Env["GREETING"] = "changed"
	a.Spec.MCP = []claw.MCPServer{changed}
	ts, err := b.m.Tools(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := call(t, byName(t, ts, "one__cwd"), `{}`); !strings.Contains(out, "|changed|") {
		t.Fatalf("changed server's env = %q", out)
	}
	b.m.CloseClaw(claw.Ref{Tenant: "default", Name: "a"})
	if got := b.m.Live(); len(got) != 0 {
		t.Fatalf("Live after CloseClaw = %v", got)
	}
	if _, err := b.m.Tools(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	b.m.Close()
	b.m.Close()
	if got := b.m.Live(); len(got) != 0 {
		t.Fatalf("Live after Close = %v", got)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.cmds) != 4 {
		t.Fatalf("processes started = %d, want 4", len(b.cmds))
	}
	for i, cmd := range b.cmds {
		if cmd.ProcessState == nil {
			t.Fatalf("process %d was not waited for", i)
		}
	}
	if _, err := b.m.Tools(t.Context(), a); err == nil {
		t.Fatal("Tools after Close succeeded")
	}
	assertNoGoroutines(t)
}

// assertNoGoroutines fails when a goroutine of a manager or of the MCP
// SDK is still running. The SDK's connection goroutines end shortly after
// Close returns, so they get a few scheduler rounds.
func assertNoGoroutines(t *testing.T) {
	t.Helper()
	var left string
	for range 200 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "mcptool.(*conn)") || strings.Contains(g, "modelcontextprotocol/go-sdk") {
				left = g
			}
		}
		if left == "" {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("goroutine left after Close:\n%s", left)
}

// tools/list_changed from a server makes the next Tools list again.
func TestListChanged(t *testing.T) {
	t.Parallel()
	srv := mcp.NewServer(&mcp.Implementation{Name: "http", Version: "1"}, nil)
	add := func(name string) {
		mcp.AddTool(srv, &mcp.Tool{Name: name}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: name}}}, nil, nil
		})
	}
	add("first")
	var gotHeader string
	var hmu sync.Mutex
	h := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		hmu.Lock()
		gotHeader = r.Header.Get("X-Api-Key")
		hmu.Unlock()
		return srv
	}, nil)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	changed := make(chan struct{}, 10)
	b := setup(t, mcptool.Config{OnToolsChanged: func(string, string, string) { changed <- struct{}{} }})
	c := clawWith("a", claw.MCPServer{Name: "web", URL: hs.URL, Headers: map[string]string{"X-Api-Key": "k1"}})
	ts, err := b.m.Tools(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := call(t, byName(t, ts, "web__first"), `{}`); err != nil || out != "first" {
		t.Fatalf("first = %q, %v", out, err)
	}
	hmu.Lock()
	if gotHeader != "k1" {
		t.Fatalf("header = %q", gotHeader)
	}
	hmu.Unlock()
	add("second")
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no tools/list_changed")
	}
	ts, err = b.m.Tools(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	byName(t, ts, "web__second")
}

func TestToolName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ server, tool, want string }{
		{"everything", "echo", "everything__echo"},
		{"gh", "issues.list", "gh__issues_list"},
		{"x", "a-b_c", "x__a-b_c"},
		{"x", "héllo wörld", "x__h_llo_w_rld"},
	} {
		if got := mcptool.ToolName(tt.server, tt.tool); got != tt.want {
			t.Errorf("ToolName(%q, %q) = %q, want %q", tt.server, tt.tool, got, tt.want)
		}
	}
}

// BenchmarkStdioCall measures one tool call to a live stdio server (the
// test binary), the per-call cost a claw pays after the first connect.
func BenchmarkStdioCall(b *testing.B) {
	m := mcptool.New(mcptool.Config{Workspace: func(claw.Claw) (string, error) { return b.TempDir(), nil }})
	defer m.Close()
	ts, err := m.Tools(b.Context(), clawWith("a", stdio("srv")))
	if err != nil {
		b.Fatal(err)
	}
	var echo tool.Tool
	for _, tl := range ts {
		if tl.Name() == "srv__echo" {
			echo = tl
		}
	}
	args := json.RawMessage(`{"text":"hi"}`)
	b.ResetTimer()
	for b.Loop() {
		if _, err := echo.Call(b.Context(), tool.Env{}, args); err != nil {
			b.Fatal(err)
		}
	}
}

// A server that exits at once is reported with the end of its stderr; a
// panic while building its command is an error, not a crash.
func TestStartFailures(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	var mu sync.Mutex
	b := setup(t, mcptool.Config{BaseBackoff: time.Hour, MaxBackoff: time.Hour, Log: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	sh := claw.MCPServer{Name: "sh", Command: "/bin/sh", Args: []string{"-c", "echo 'bad config: no token' >&2; exit 2"}}
	ts, err := b.m.Tools(t.Context(), clawWith("a", sh))
	if err != nil || len(ts) != 0 {
		t.Fatalf("Tools = %v, %v", ts, err)
	}
	mu.Lock()
	got := logs.String()
	mu.Unlock()
	if !strings.Contains(got, "bad config: no token") {
		t.Fatalf("log lacks the server's stderr:\n%s", got)
	}

	p := mcptool.New(mcptool.Config{Workspace: func(claw.Claw) (string, error) { return t.TempDir(), nil },
		Command: func(context.Context, claw.Claw, string, claw.MCPServer) (*exec.Cmd, error) { panic("boom") }})
	defer p.Close()
	if ts, err := p.Tools(t.Context(), clawWith("a", stdio("x"))); err != nil || len(ts) != 0 {
		t.Fatalf("Tools with a panicking command = %v, %v", ts, err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
