package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/store/storetest"
	"github.com/reefhq/reef/internal/webhook"
)

// setupEnv is setup (SQLite, or PostgreSQL when dbURL is set) with env as
// the node's environment.
func setupEnv(t testing.TB, handler llmtest.Handler, env map[string]string, dbURL string) *bundle {
	t.Helper()
	model := llmtest.NewTest(t, handler)
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	n, err := node.Open(t.Context(), node.Options{DataDir: b.data, DatabaseURL: dbURL, Addr: "127.0.0.1:0", Config: b.cfg,
		Getenv: func(k string) string { return env[k] }})
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
	return b
}

const (
	hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	envSecret  = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="
	ghSecret   = "gh-secret"
)

const hookSpec = `
name: hooked
model: fake/m1
webhooks:
  - name: billing
    secret: ` + hookSecret + `
    prompt: "Invoice {{.JSON.invoice}} is {{.JSON.status}} ({{index .Headers \"x-source\"}}, id {{.ID}})"
    headers: [X-Source]
  - name: env
    secret_env: HOOK_SECRET
  - name: gh
    scheme: github
    secret: ` + ghSecret + `
    session: main
    prompt: "GitHub {{index .Headers \"x-github-event\"}}: {{.JSON.action}}"
    headers: [X-GitHub-Event]
`

// post sends a webhook delivery and returns the status and decoded body.
func post(t *testing.T, url string, h http.Header, body []byte) (int, api.WebhookResponse, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out api.WebhookResponse
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// signed returns the Standard Webhooks headers of a delivery sent at ts.
func signed(t testing.TB, secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	key, err := webhook.ParseSecret(claw.SchemeStandard, secret)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", webhook.SignStandard(key, id, ts, body))
	return h
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	webhooks(t, "")
}

func TestWebhooksPostgres(t *testing.T) {
	t.Parallel()
	webhooks(t, storetest.PostgresURL(t))
}

func webhooks(t *testing.T, dbURL string) {
	b := setupEnv(t, llmtest.Echo, map[string]string{"HOOK_SECRET": envSecret}, dbURL)
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(hookSpec)); err != nil {
		t.Fatal(err)
	}
	url := b.node.URL() + "/hooks/hooked/"
	body := []byte(`{"invoice": "in_42", "status": "paid"}`)
	now := time.Now()

	h := signed(t, hookSecret, "msg_1", now, body)
	h.Set("X-Source", "stripe-ish")
	status, res, raw := post(t, url+"billing", h, body)
	if status != http.StatusAccepted || res.EventID == 0 || res.Duplicate {
		t.Fatalf("delivery: %d %s", status, raw)
	}
	ev, err := b.client.Event(ctx, "hooked", res.EventID, time.Minute)
	want := "echo: Invoice in_42 is paid (stripe-ish, id msg_1)"
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != want || ev.Session != "hook:billing" {
		t.Fatalf("event = %+v, %v; want reply %q", ev, err, want)
	}

	// A retry of the same delivery (same id, a new timestamp and
	// signature) is acknowledged but not run again.
	status, again, raw := post(t, url+"billing", signed(t, hookSecret, "msg_1", now.Add(time.Second), body), body)
	if status != http.StatusOK || again.EventID != res.EventID || !again.Duplicate {
		t.Fatalf("replay: %d %s", status, raw)
	}

	rejected := []struct {
		name   string
		path   string
		h      http.Header
		body   []byte
		status int
		msg    string
	}{
		{"bad signature", "billing", signed(t, envSecret, "msg_2", now, body), body, 401, "no matching signature"},
		{"stale", "billing", signed(t, hookSecret, "msg_3", now.Add(-6*time.Minute), body), body, 401, "timestamp"},
		{"future", "billing", signed(t, hookSecret, "msg_4", now.Add(6*time.Minute), body), body, 401, "timestamp"},
		{"unsigned", "billing", http.Header{}, body, 401, "missing signature headers"},
		{"body changed", "billing", signed(t, hookSecret, "msg_5", now, body), append(body, ' '), 401, "no matching signature"},
		{"too large", "billing", signed(t, hookSecret, "msg_6", now, nil), bytes.Repeat([]byte("x"), api.MaxBody+1), 413, "over"},
		{"unknown hook", "nope", signed(t, hookSecret, "msg_7", now, body), body, 404, "no webhook nope"},
		{"odd values render", "billing", signed(t, hookSecret, "msg_8", now, []byte(`{"invoice": {"x": 1}, "status": [1]}`)), []byte(`{"invoice": {"x": 1}, "status": [1]}`), 202, ""},
	}
	for _, tt := range rejected {
		status, _, raw := post(t, url+tt.path, tt.h, tt.body)
		if status != tt.status || !strings.Contains(raw, tt.msg) {
			t.Errorf("%s: %d %s; want %d with %q", tt.name, status, raw, tt.status, tt.msg)
		}
	}
	status, _, raw = post(t, b.node.URL()+"/hooks/nope/billing", signed(t, hookSecret, "msg_9", now, body), body)
	if status != 404 {
		t.Errorf("unknown claw: %d %s", status, raw)
	}

	// The secret from the environment, and the URL that names the tenant.
	status, res, raw = post(t, b.node.URL()+"/hooks/default/hooked/env", signed(t, envSecret, "e1", now, []byte("plain text")), []byte("plain text"))
	if status != http.StatusAccepted {
		t.Fatalf("env hook: %d %s", status, raw)
	}
	if ev, err = b.client.Event(ctx, "hooked", res.EventID, time.Minute); err != nil || ev.Reply != "echo: Webhook env delivered event e1:\nplain text" || ev.Session != "hook:env" {
		t.Fatalf("env hook event = %+v, %v", ev, err)
	}
	if status, _, raw = post(t, b.node.URL()+"/hooks/other/hooked/env", signed(t, envSecret, "e2", now, body), body); status != 404 {
		t.Errorf("other tenant: %d %s", status, raw)
	}

	// GitHub.
	gh := []byte(`{"action": "opened"}`)
	gh1 := http.Header{}
	gh1.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	gh1.Set("X-GitHub-Event", "issues")
	gh1.Set("X-Hub-Signature-256", webhook.SignGitHub([]byte(ghSecret), gh))
	status, res, raw = post(t, url+"gh", gh1, gh)
	if status != http.StatusAccepted {
		t.Fatalf("github: %d %s", status, raw)
	}
	if ev, err = b.client.Event(ctx, "hooked", res.EventID, time.Minute); err != nil || ev.Reply != "echo: GitHub issues: opened" || ev.Session != "main" {
		t.Fatalf("github event = %+v, %v", ev, err)
	}
	if status, again, _ = post(t, url+"gh", gh1, gh); status != 200 || !again.Duplicate {
		t.Fatalf("github redelivery: %d %+v", status, again)
	}
	gh1.Set("X-Hub-Signature-256", webhook.SignGitHub([]byte("wrong"), gh))
	gh1.Set("X-GitHub-Delivery", "other")
	if status, _, raw = post(t, url+"gh", gh1, gh); status != 401 {
		t.Fatalf("github bad signature: %d %s", status, raw)
	}

	// Three deliveries ran, plus the one whose prompt rendered oddly but
	// validly; nothing rejected was stored.
	runs, err := b.client.Runs(ctx, "hooked", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 {
		t.Fatalf("runs = %d, want 4", len(runs))
	}
}

func TestWebhookConfigErrors(t *testing.T) {
	t.Parallel()
	b := setupEnv(t, llmtest.Echo, map[string]string{"BAD_SECRET": "not base64!"}, "")
	ctx := t.Context()
	for _, tt := range []struct{ env, msg string }{
		{"UNSET_SECRET", "UNSET_SECRET is not set on this node"},
		{"BAD_SECRET", "BAD_SECRET: secret must be whsec_"},
	} {
		s := "name: h\nmodel: fake/m1\nwebhooks:\n  - name: x\n    secret_env: " + tt.env + "\n"
		if _, err := b.client.Apply(ctx, []byte(s)); apiStatus(err) != 422 || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("apply with %s: %v", tt.env, err)
		}
	}
	// A prompt that fails on a delivery's body: 422, nothing stored.
	s := "name: h\nmodel: fake/m1\nwebhooks:\n  - name: x\n    secret: " + hookSecret + "\n    prompt: '{{.JSON.a.b}}'\n"
	if _, err := b.client.Apply(ctx, []byte(s)); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"a": "not an object"}`)
	status, _, raw := post(t, b.node.URL()+"/hooks/h/x", signed(t, hookSecret, "m1", time.Now(), body), body)
	if status != 422 || !strings.Contains(raw, "render prompt") {
		t.Fatalf("render failure: %d %s", status, raw)
	}
	if runs, _ := b.client.Runs(ctx, "h", 10); len(runs) != 0 {
		t.Fatalf("runs = %d", len(runs))
	}
}
