package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/nodetest"
	"github.com/reefhq/reef/internal/store"
)

// bearer adds a token to every request of an MCP client.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connectMCP opens an MCP client session to the node's /mcp.
func connectMCP(t *testing.T, url, token string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: url + "/mcp", HTTPClient: &http.Client{Transport: bearer{token}}}, nil)
	if err != nil {
		t.Fatalf("connect /mcp: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

func resultText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	var parts []string
	for _, c := range res.Content {
		parts = append(parts, c.(*mcp.TextContent).Text)
	}
	return strings.Join(parts, "")
}

func (b *bundle) token(t *testing.T) string {
	t.Helper()
	return b.client.Token
}

func TestMCPServer(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	changed := make(chan struct{}, 10)
	cs := connectMCP(t, b.node.URL(), b.token(t), &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	if names := toolNames(t, cs); !slices.Equal(names, []string{"ask_hello"}) {
		t.Fatalf("tools = %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ask_hello", Arguments: map[string]any{"message": "hi there", "session": "mcp-1"}})
	if err != nil || res.IsError || resultText(t, res) != "echo: hi there" {
		t.Fatalf("ask_hello = %+v, %v", res, err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ask_hello", Arguments: map[string]any{"message": ""}})
	if err != nil || !res.IsError {
		t.Fatalf("ask_hello without message = %+v, %v", res, err)
	}

	// Applies and deletes change the list, announced to the session.
	if _, err := b.client.Apply(ctx, []byte(strings.Replace(helloSpec, "name: hello", "name: web-bot", 1))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, changed)
	if names := toolNames(t, cs); !slices.Equal(names, []string{"ask_hello", "ask_web_bot"}) {
		t.Fatalf("tools after apply = %v", names)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ask_web_bot", Arguments: map[string]any{"message": "yo"}})
	if err != nil || resultText(t, res) != "echo: yo" {
		t.Fatalf("ask_web_bot = %+v, %v", res, err)
	}
	if err := b.client.Delete(ctx, "web-bot"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, changed)
	if names := toolNames(t, cs); !slices.Equal(names, []string{"ask_hello"}) {
		t.Fatalf("tools after delete = %v", names)
	}

	// Sessions as resources.
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "reef://claws/hello/sessions"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, `"session": "mcp-1"`) || !strings.Contains(rr.Contents[0].Text, "reef://claws/hello/sessions/mcp-1") {
		t.Fatalf("sessions resource = %+v, %v", rr, err)
	}
	rr, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "reef://claws/hello/sessions/mcp-1"})
	if err != nil {
		t.Fatal(err)
	}
	var transcript struct {
		Messages []claw.Message `json:"messages"`
	}
	if err := json.Unmarshal([]byte(rr.Contents[0].Text), &transcript); err != nil || len(transcript.Messages) != 2 || transcript.Messages[1].Content != "echo: hi there" {
		t.Fatalf("transcript = %s, %v", rr.Contents[0].Text, err)
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "reef://claws/nope/sessions"}); err == nil {
		t.Fatal("unknown claw's sessions resource read")
	}

	// Memory as resources.
	m, err := b.node.Store.WriteMemory(ctx, claw.Ref{Tenant: claw.DefaultTenant, Name: "hello"}, claw.Memory{Text: "The user's cat is Miso", Tags: []string{"pets"}})
	if err != nil {
		t.Fatal(err)
	}
	rr, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "reef://claws/hello/memory"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, "The user's cat is Miso") {
		t.Fatalf("memory resource = %+v, %v", rr, err)
	}
	rr, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: fmt.Sprintf("reef://claws/hello/memory/%d", m.ID)})
	if err != nil || !strings.Contains(rr.Contents[0].Text, `"pets"`) {
		t.Fatalf("one memory resource = %+v, %v", rr, err)
	}
	for _, uri := range []string{fmt.Sprintf("reef://claws/hello/memory/%d", m.ID+1), "reef://claws/nope/memory", "reef://claws/hello/memory/01"} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil {
			t.Fatalf("%s read", uri)
		}
	}
	list, err := cs.ListResources(ctx, nil)
	if err != nil || len(list.Resources) != 2 || list.Resources[0].URI != "reef://claws/hello/memory" || list.Resources[1].URI != "reef://claws/hello/sessions" {
		t.Fatalf("resources = %+v, %v", list, err)
	}
}

func TestMCPServerAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.node.URL()+"/mcp", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	// Another tenant's token sees none of default's claws, and cannot
	// use a session of default's.
	st := b.node.Store
	if err := st.EnsureTenant(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{ID: "tok_other", Hash: httpapi.HashToken("other-secret"), Tenant: "other", Role: claw.RoleOwner, Name: "o"}); err != nil {
		t.Fatal(err)
	}
	other := connectMCP(t, b.node.URL(), "other-secret", nil)
	if names := toolNames(t, other); len(names) != 0 {
		t.Fatalf("other tenant's tools = %v", names)
	}
	mine := connectMCP(t, b.node.URL(), b.token(t), nil)
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, b.node.URL()+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Authorization", "Bearer other-secret")
	req.Header.Set("Mcp-Session-Id", mine.ID())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if mine.ID() == "" || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("other tenant using default's session: %d", resp.StatusCode)
	}
}

// The official MCP TypeScript client lists ask_<claw> and gets the reply.
func TestMCPServerTypeScriptClient(t *testing.T) {
	t.Parallel()
	nodetest.Dir(t)
	b := setup(t, llmtest.Echo, "")
	if _, err := b.client.Apply(t.Context(), []byte(strings.Replace(helloSpec, "name: hello", "name: ts-bot", 1))); err != nil {
		t.Fatal(err)
	}
	out := nodetest.Run(t, "mcp-client.mjs", []string{"REEF_URL=" + b.node.URL(), "REEF_TOKEN=" + b.token(t)}, "ask_ts_bot", "hello from typescript")
	var got struct {
		Tools []string `json:"tools"`
		Reply string   `json:"reply"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if !slices.Contains(got.Tools, "ask_ts_bot") || got.Reply != "echo: hello from typescript" {
		t.Fatalf("typescript client got %+v", got)
	}
}

func waitFor(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a notification")
	}
}

// BenchmarkMCPServerAsk measures one ask_<claw> call through /mcp with
// the Go SDK client and a zero-latency fake model: MCP transport, mailbox
// write, run, reply.
func BenchmarkMCPServerAsk(b *testing.B) {
	model := llmtest.NewTest(b, llmtest.Echo)
	n, err := node.Open(b.Context(), node.Options{DataDir: b.TempDir(), Addr: "127.0.0.1:0", Config: testConfig(model)})
	if err != nil {
		b.Fatal(err)
	}
	if err := n.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer n.Stop(b.Context())
	c := client.New(n.URL(), n.AdminToken)
	if _, err := c.Apply(b.Context(), []byte(helloSpec)); err != nil {
		b.Fatal(err)
	}
	mc := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := mc.Connect(b.Context(), &mcp.StreamableClientTransport{Endpoint: n.URL() + "/mcp", HTTPClient: &http.Client{Transport: bearer{n.AdminToken}}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++ // a session per call, so that the transcript read stays small
		params := &mcp.CallToolParams{Name: "ask_hello", Arguments: map[string]any{"message": "hi", "session": "s" + strconv.Itoa(i)}}
		res, err := cs.CallTool(b.Context(), params)
		if err != nil || res.IsError {
			b.Fatalf("ask_hello = %+v, %v", res, err)
		}
	}
}

// BenchmarkAPISendWait is BenchmarkMCPServerAsk's baseline: the same
// message through POST /v1/claws/{name}/messages?wait=.
func BenchmarkAPISendWait(b *testing.B) {
	model := llmtest.NewTest(b, llmtest.Echo)
	n, err := node.Open(b.Context(), node.Options{DataDir: b.TempDir(), Addr: "127.0.0.1:0", Config: testConfig(model)})
	if err != nil {
		b.Fatal(err)
	}
	if err := n.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer n.Stop(b.Context())
	c := client.New(n.URL(), n.AdminToken)
	if _, err := c.Apply(b.Context(), []byte(helloSpec)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		if _, err := c.Send(b.Context(), "hello", api.MessageRequest{Text: "hi", Session: "s" + strconv.Itoa(i)}, 10*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// Open MCP sessions (with their standalone SSE streams) do not hold up
// the node's shutdown.
func TestMCPSessionsEndOnStop(t *testing.T) {
	t.Parallel()
	model := llmtest.NewTest(t, llmtest.Echo)
	n, err := node.Open(t.Context(), node.Options{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Config: testConfig(model)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"2025-11-25", ""} { // the legacy protocol and the latest
		c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, &mcp.ClientOptions{
			ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {}})
		cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: n.URL() + "/mcp",
			HTTPClient: &http.Client{Transport: bearer{n.AdminToken}}}, &mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		if _, err := cs.ListTools(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Stop took %s: MCP streams held the shutdown", d)
	}
}
