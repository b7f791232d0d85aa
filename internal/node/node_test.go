package node_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/store/storetest"
)

type bundle struct {
	node   *node.Node
	model  *llmtest.Server
	client *client.Client
	data   string
	cfg    config.Config
}

func testConfig(model *llmtest.Server) config.Config {
	cfg := config.Default()
	cfg.Providers = map[string]config.Provider{
		"fake":  {Kind: config.KindOpenAI, BaseURL: model.URL() + "/v1", APIKey: "k"},
		"fakea": {Kind: config.KindAnthropic, BaseURL: model.URL(), APIKey: "k"},
	}
	return cfg
}

// setup starts a node on SQLite in a temporary directory (or on
// PostgreSQL when dbURL is set) with a fake model.
func setup(t *testing.T, handler llmtest.Handler, dbURL string) *bundle {
	t.Helper()
	model := llmtest.NewTest(t, handler)
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	b.start(t, dbURL)
	return b
}

func (b *bundle) start(t *testing.T, dbURL string) {
	t.Helper()
	n, err := node.Open(t.Context(), node.Options{DataDir: b.data, DatabaseURL: dbURL, Addr: "127.0.0.1:0", Config: b.cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(t.Context()) })
	tok, err := os.ReadFile(node.TokenFile(b.data))
	if err != nil {
		t.Fatal(err)
	}
	b.node, b.client = n, client.New(n.URL(), strings.TrimSpace(string(tok)))
}

const helloSpec = `
name: hello
model: fake/m1
instructions: You are a test claw.
tools: [echo]
`

func apiStatus(err error) int {
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func TestApplyVersionsRollback(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	res, err := b.client.Apply(ctx, []byte(helloSpec))
	if err != nil || res.Result != "created" || res.Version != 1 || res.Claw.State != claw.StateIdle {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	if res, _ = b.client.Apply(ctx, []byte(helloSpec)); res.Result != "unchanged" || res.Version != 1 {
		t.Fatalf("re-apply = %+v", res)
	}
	res, err = b.client.Apply(ctx, []byte(strings.Replace(helloSpec, "fake/m1", "fake/m2", 1)))
	if err != nil || res.Result != "updated" || res.Version != 2 || len(res.Diff) != 1 || !strings.Contains(res.Diff[0], "m2") {
		t.Fatalf("update = %+v, %v", res, err)
	}
	res, err = b.client.Rollback(ctx, "hello", 0)
	if err != nil || res.Version != 3 || res.Claw.Spec.Model != "fake/m1" {
		t.Fatalf("rollback = %+v, %v", res, err)
	}
	vs, err := b.client.Versions(ctx, "hello")
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	if _, err := b.client.Rollback(ctx, "hello", 9); apiStatus(err) != 404 {
		t.Fatalf("rollback to missing version: %v", err)
	}
	b.client.Apply(ctx, []byte(strings.Replace(helloSpec, "hello", "fresh", 1)))
	if _, err := b.client.Rollback(ctx, "fresh", 0); apiStatus(err) != 409 {
		t.Fatalf("rollback of v1: %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		token                    string
		want                     int
		wantMsg                  string
	}{
		{"no token", "GET", "/v1/claws", "", "-", 401, "missing bearer token"},
		{"bad token", "GET", "/v1/claws", "", "wrong", 401, "invalid token"},
		{"unknown claw", "GET", "/v1/claws/nope", "", "", 404, `nope\" not found`},
		{"message to unknown claw", "POST", "/v1/claws/nope/messages", `{"text":"hi"}`, "", 404, "not found"},
		{"unknown route", "GET", "/v1/nothing", "", "", 404, "no route"},
		{"bad json", "POST", "/v1/claws/hello/messages", `{"text":`, "", 400, "invalid JSON"},
		{"unknown field", "POST", "/v1/claws/hello/messages", `{"txt":"hi"}`, "", 400, "unknown field"},
		{"empty text", "POST", "/v1/claws/hello/messages", `{"text":""}`, "", 400, "text is required"},
		{"bad wait", "POST", "/v1/claws/hello/messages?wait=soon", `{"text":"x"}`, "", 400, "wait must be a duration"},
		{"bad session", "POST", "/v1/claws/hello/messages", `{"text":"x","session":"a b"}`, "", 400, "session must be"},
		{"too large", "POST", "/v1/claws/hello/messages", `{"text":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`, "", 413, "over"},
		{"invalid spec", "POST", "/v1/claws", "name: x\nmodle: fake/m\n", "", 422, `unknown key \"modle\"`},
		{"unknown provider", "POST", "/v1/claws", "name: x\nmodel: nope/m\n", "", 422, "nope"},
		{"unknown tool", "POST", "/v1/claws", "name: x\nmodel: fake/m\ntools: [teleport]\n", "", 422, "unknown tool teleport"},
		{"bad event id", "GET", "/v1/claws/hello/events/abc", "", "", 400, "event id"},
		{"missing event", "GET", "/v1/claws/hello/events/999", "", "", 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(ctx, tt.method, b.node.URL()+tt.path, strings.NewReader(tt.body))
			switch tt.token {
			case "":
				req.Header.Set("Authorization", "Bearer "+b.client.Token)
			case "-":
			default:
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			if resp.StatusCode != tt.want || !strings.Contains(body.String(), tt.wantMsg) || !strings.Contains(body.String(), `"code"`) {
				t.Fatalf("status %d body %s; want %d with %q", resp.StatusCode, body.String(), tt.want, tt.wantMsg)
			}
		})
	}
	// Nothing of the invalid specs was stored.
	cs, _ := b.client.Claws(ctx)
	if len(cs) != 1 {
		t.Fatalf("claws after invalid applies = %d", len(cs))
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(b.node.URL() + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s = %v, %v", p, resp, err)
		}
		resp.Body.Close()
	}
}

func TestSendWaitAndIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	b.client.Apply(ctx, []byte(helloSpec))
	res, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "hi", IdempotencyKey: "k1"}, time.Minute)
	if err != nil || res.Status != claw.EventCompleted || res.Reply != "echo: hi" || res.Duplicate {
		t.Fatalf("send = %+v, %v", res, err)
	}
	again, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "hi", IdempotencyKey: "k1"}, time.Minute)
	if err != nil || again.EventID != res.EventID || !again.Duplicate || again.Reply != "echo: hi" {
		t.Fatalf("repeat = %+v, %v", again, err)
	}
	if n := b.model.CallCount(); n != 1 {
		t.Fatalf("model calls = %d", n)
	}
	async, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "later"}, 0)
	if err != nil || async.EventID == 0 {
		t.Fatalf("async send = %+v, %v", async, err)
	}
	ev, err := b.client.Event(ctx, "hello", async.EventID, time.Minute)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "echo: later" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	runs, err := b.client.Runs(ctx, "hello", 10)
	if err != nil || len(runs) != 2 || runs[0].Steps != 1 || runs[0].InputTokens == 0 {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

func TestFailedRunThenRecovery(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Script(llmtest.Reply{Status: 500, ErrorMessage: "boom"}, llmtest.Reply{Status: 500, ErrorMessage: "boom"}, llmtest.Reply{Status: 500, ErrorMessage: "boom"}), "")
	ctx := t.Context()
	b.client.Apply(ctx, []byte(helloSpec))
	res, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "one"}, time.Minute)
	if err != nil || res.Status != claw.EventFailed || !strings.Contains(res.Error, "HTTP 500") || !strings.Contains(res.Error, "boom") {
		t.Fatalf("failed send = %+v, %v", res, err)
	}
	if n := b.model.CallCount(); n != 3 {
		t.Fatalf("model calls = %d, want 3 (two retries)", n)
	}
	res, err = b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "two"}, time.Minute)
	if err != nil || res.Status != claw.EventCompleted {
		t.Fatalf("next send = %+v, %v", res, err)
	}
}

// sessionAcrossRestart checks that the instructions reach the model, a
// second message's request carries the first exchange, and a restarted
// node continues the session.
func sessionAcrossRestart(t *testing.T, dbURL, model string) {
	b := setup(t, llmtest.Echo, dbURL)
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(strings.Replace(helloSpec, "fake/m1", model, 1))); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"first", "second"} {
		if _, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: text}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.node.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b.start(t, dbURL)
	res, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "third"}, time.Minute)
	if err != nil || res.Reply != "echo: third" {
		t.Fatalf("send after restart = %+v, %v", res, err)
	}
	calls := b.model.Calls()
	if calls[0].System != "You are a test claw." {
		t.Fatalf("system = %q", calls[0].System)
	}
	var got []string
	for _, m := range calls[2].Messages {
		got = append(got, fmt.Sprintf("%s:%s", m.Role, m.Content))
	}
	want := "user:first|assistant:echo: first|user:second|assistant:echo: second|user:third"
	if strings.Join(got, "|") != want {
		t.Fatalf("third request = %s\nwant %s", strings.Join(got, "|"), want)
	}
}

func TestSessionAcrossRestart(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"fake/m1", "fakea/claude-x"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			sessionAcrossRestart(t, "", model)
		})
	}
}

func TestTokenFileMode(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	fi, err := os.Stat(filepath.Join(b.data, "admin.token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v, %v", fi, err)
	}
	if b.node.AdminToken == "" || !strings.HasPrefix(b.node.AdminToken, "reef_") {
		t.Fatalf("AdminToken = %q", b.node.AdminToken)
	}
}

func TestSessionAcrossRestartPostgres(t *testing.T) {
	t.Parallel()
	sessionAcrossRestart(t, storetest.PostgresURL(t), "fake/m1")
}

func TestCallback(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	got := make(chan claw.CallbackPayload, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p claw.CallbackPayload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("callback body: %v", err)
		}
		got <- p
	}))
	defer srv.Close()
	ctx := t.Context()
	b.client.Apply(ctx, []byte(helloSpec))
	res, err := b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "call me", CallbackURL: srv.URL + "/hook"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := <-got
	if p.EventID != res.EventID || p.Status != claw.EventCompleted || p.Reply != "echo: call me" || p.Claw != "hello" || p.Session != "main" {
		t.Fatalf("callback = %+v", p)
	}
	_, err = b.client.Send(ctx, "hello", httpapi.MessageRequest{Text: "x", CallbackURL: "ftp://nope"}, 0)
	if apiStatus(err) != 400 {
		t.Fatalf("bad callback_url: %v", err)
	}
}
