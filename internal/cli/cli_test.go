package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/cli"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
)

// nodeVersion is the version the test nodes report.
const nodeVersion = "test-node"

const helloSpec = `name: hello
model: fake/m1
instructions: You are a test claw.
tools: [echo]
`

// bundle is a node with a fake model and the environment a user of the
// command line would have: REEF_SERVER and REEF_DATA set, no REEF_TOKEN.
type bundle struct {
	node  *node.Node
	model *llmtest.Server
	data  string
	env   map[string]string
}

// setup starts a node on SQLite in a temporary directory whose provider
// "fake" (OpenAI wire protocol) is an llmtest server answering with handler.
func setup(t *testing.T, handler llmtest.Handler) *bundle {
	t.Helper()
	model := llmtest.NewTest(t, handler)
	cfg := config.Default()
	cfg.Providers = map[string]config.Provider{
		"fake": {Kind: config.KindOpenAI, BaseURL: model.URL() + "/v1", APIKey: "k"},
	}
	data := t.TempDir()
	n, err := node.Open(t.Context(), node.Options{DataDir: data, Addr: "127.0.0.1:0", Config: cfg, Version: nodeVersion})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(t.Context()) })
	return &bundle{node: n, model: model, data: data, env: map[string]string{"REEF_SERVER": n.URL(), "REEF_DATA": data}}
}

// result is what one command printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

// run runs the command line args with stdin, in the bundle's environment
// with extra variables added.
func (b *bundle) run(t *testing.T, stdin string, extra map[string]string, args ...string) result {
	t.Helper()
	env := maps.Clone(b.env)
	maps.Copy(env, extra)
	var stdout, stderr bytes.Buffer
	err := cli.Run(t.Context(), cli.Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	}, args)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// ok runs args and fails the test when the command fails.
func (b *bundle) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := b.run(t, "", nil, args...)
	if r.err != nil {
		t.Fatalf("reef %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

// writeSpec writes a spec file into a temporary directory.
func writeSpec(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "claw.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func exitCode(err error) int {
	var e *cli.ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestApply(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	path := writeSpec(t, helloSpec)
	if got, want := b.ok(t, "apply", "-f", path), "claw/hello created (v1)\n"; got != want {
		t.Fatalf("first apply printed %q, want %q", got, want)
	}
	if got, want := b.ok(t, "apply", "-f", path), "claw/hello unchanged (v1)\n"; got != want {
		t.Fatalf("second apply printed %q, want %q", got, want)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(helloSpec, "fake/m1", "fake/m2", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := b.ok(t, "apply", "-f", path), "claw/hello updated (v2)\n  ~ model: \"fake/m1\" -> \"fake/m2\"\n"; got != want {
		t.Fatalf("apply after an edit printed %q, want %q", got, want)
	}

	r := b.run(t, strings.Replace(helloSpec, "hello", "piped", 1), nil, "apply", "-f", "-")
	if r.err != nil || r.stdout != "claw/piped created (v1)\n" {
		t.Fatalf("apply -f - = %q, %v", r.stdout, r.err)
	}
}

func TestApplyInvalidSpec(t *testing.T) {
	t.Parallel()
	const bad = "name: hello\nmodle: fake/m1\n"
	tests := []struct {
		name  string
		stdin string
		args  func(t *testing.T) []string
	}{
		{"file", "", func(t *testing.T) []string { return []string{"apply", "-f", writeSpec(t, bad)} }},
		{"stdin", bad, func(*testing.T) []string { return []string{"apply", "-f", "-"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, llmtest.Echo)
			r := b.run(t, tt.stdin, nil, tt.args(t)...)
			if r.err == nil {
				t.Fatalf("apply of an invalid spec succeeded: %q", r.stdout)
			}
			if exitCode(r.err) != 0 {
				t.Fatalf("apply of an invalid spec = %v, want a plain error (exit 1)", r.err)
			}
			for _, want := range []string{`"modle"`, "line 2", `did you mean "model"`} {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("error %q does not mention %s", r.err, want)
				}
			}
			if out := b.ok(t, "claws"); strings.Contains(out, "hello") {
				t.Errorf("claws after an invalid apply:\n%s", out)
			}
			if r := b.run(t, "", nil, "get", "hello"); r.err == nil || !strings.Contains(r.err.Error(), "not found") {
				t.Errorf("get after an invalid apply = %q, %v; want not found", r.stdout, r.err)
			}
		})
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"flags after args", []string{"send", "hello", "hi", "--wait"}, "echo: hi\n"},
		{"flags before args", []string{"send", "--wait", "hello", "before"}, "echo: before\n"},
		{"flags between args", []string{"send", "hello", "-wait", "between"}, "echo: between\n"},
		{"flag value after args", []string{"send", "hello", "timed", "--wait", "--timeout", "1m"}, "echo: timed\n"},
		{"text after --", []string{"send", "--wait", "hello", "--", "-5 degrees"}, "echo: -5 degrees\n"},
		{"name and text after --", []string{"send", "--wait", "--", "hello", "-6 degrees"}, "echo: -6 degrees\n"},
		{"-- as a flag value", []string{"send", "--session", "--", "--wait", "--", "hello", "-7"}, "echo: -7\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := b.ok(t, tt.args...); got != tt.want {
				t.Fatalf("reef %s printed %q, want %q", strings.Join(tt.args, " "), got, tt.want)
			}
		})
	}
}

// A message comes from standard input ("-") or a file (--file); one over
// the node's request limit is refused before it is sent, naming the limit.
func TestSendFromStdinAndFile(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	if r := b.run(t, "from stdin\nsecond line", nil, "send", "hello", "-", "--wait"); r.err != nil || r.stdout != "echo: from stdin\nsecond line\n" {
		t.Fatalf("send - = %q, %v", r.stdout, r.err)
	}
	path := filepath.Join(t.TempDir(), "msg.txt")
	if err := os.WriteFile(path, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := b.ok(t, "send", "hello", "--file", path, "--wait"); got != "echo: from a file\n" {
		t.Fatalf("send --file printed %q", got)
	}
	big := strings.Repeat("five megabytes ", 5<<20/15)
	r := b.run(t, big, nil, "send", "hello", "-", "--wait")
	if r.err == nil || !strings.Contains(r.err.Error(), fmt.Sprintf("limit of %d bytes", api.MaxBody)) {
		t.Fatalf("send - of 5 MB = %v, want a refusal naming the limit", r.err)
	}
}

func TestSendNoWait(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	out := b.ok(t, "send", "hello", "later")
	if !regexp.MustCompile(`^event \d+ accepted \(\w+\)\n$`).MatchString(out) {
		t.Fatalf("send without --wait printed %q", out)
	}
}

func TestSendSession(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	b.ok(t, "send", "hello", "first in s1", "--session", "s1", "--wait")
	b.ok(t, "send", "hello", "in main", "--wait")
	if got := b.ok(t, "send", "--session=s1", "hello", "second in s1", "--wait"); got != "echo: second in s1\n" {
		t.Fatalf("send in s1 printed %q", got)
	}
	history := map[string]string{} // last user text -> the conversation the model saw
	for _, c := range b.model.Calls() {
		var msgs []string
		for _, m := range c.Messages {
			msgs = append(msgs, m.Content)
		}
		history[c.LastUserText()] = strings.Join(msgs, "|")
	}
	if h := history["second in s1"]; !strings.Contains(h, "first in s1") || strings.Contains(h, "in main") {
		t.Errorf("model saw %q for the second message in s1; want s1's first exchange only", h)
	}
	if h := history["in main"]; strings.Contains(h, "s1") {
		t.Errorf("model saw %q in the default session; want nothing of s1", h)
	}
}

func TestSendFailedRun(t *testing.T) {
	t.Parallel()
	// The model's error repeats the message and goes on in two-byte
	// characters: one of two messages whose lengths differ by one is cut
	// inside a character unless the runs table shortens by characters.
	b := setup(t, func(c llmtest.Call) llmtest.Reply {
		return llmtest.Reply{Status: 500, ErrorMessage: "boom " + c.LastUserText() + " " + strings.Repeat("é", 80)}
	})
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	for _, text := range []string{"a", "ab"} {
		r := b.run(t, "", nil, "send", "hello", text, "--wait")
		if r.err == nil {
			t.Fatalf("send --wait to a failing model succeeded: %q", r.stdout)
		}
		if exitCode(r.err) != 0 || !strings.Contains(r.err.Error(), "run failed") || !strings.Contains(r.err.Error(), "HTTP 500: boom "+text) {
			t.Fatalf("send --wait to a failing model = %v; want a run failed error naming the model's error", r.err)
		}
	}
	out := b.ok(t, "runs", "hello")
	if !regexp.MustCompile(`(?m)^\d+\s+\d+\s+failed\s.*boom a`).MatchString(out) || !strings.Contains(out, "boom ab") {
		t.Errorf("runs after failed runs:\n%s", out)
	}
	if !utf8.ValidString(out) {
		t.Errorf("runs printed invalid UTF-8:\n%q", out)
	}
}

func TestInspectAndManage(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	path := writeSpec(t, helloSpec)
	b.ok(t, "apply", "-f", path)

	out := b.ok(t, "claws")
	if !regexp.MustCompile(`(?m)^NAME\s+VERSION\s+STATE\s+MODEL`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^hello\s+v1\s+idle\s+fake/m1\s+0\s*$`).MatchString(out) {
		t.Fatalf("claws printed:\n%s", out)
	}

	var got claw.Claw
	if err := json.Unmarshal([]byte(b.ok(t, "get", "hello")), &got); err != nil {
		t.Fatalf("get does not print JSON: %v", err)
	}
	want := claw.Spec{Name: "hello", Model: "fake/m1", Instructions: "You are a test claw.", Tools: []string{"echo"}}
	if got.Name != "hello" || got.Version != 1 || got.Spec.Model != want.Model || got.Spec.Instructions != want.Instructions ||
		strings.Join(got.Spec.Tools, ",") != "echo" {
		t.Fatalf("get = %+v, want the spec %+v", got, want)
	}

	b.ok(t, "send", "hello", "hi", "--wait")
	out = b.ok(t, "runs", "hello")
	if !regexp.MustCompile(`(?m)^RUN\s+EVENT\s+STATUS`).MatchString(out) || !regexp.MustCompile(`(?m)^\d+\s+\d+\s+completed\s+1\s`).MatchString(out) {
		t.Fatalf("runs printed:\n%s", out)
	}
	out = b.ok(t, "runs", "hello", "--steps")
	if !regexp.MustCompile(`(?m)^\s+#1 model\s+finished\s.*fake/m1$`).MatchString(out) {
		t.Fatalf("runs --steps printed:\n%s", out)
	}

	if err := os.WriteFile(path, []byte(strings.Replace(helloSpec, "fake/m1", "fake/m2", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	b.ok(t, "apply", "-f", path)
	if got, want := b.ok(t, "rollback", "hello"), "claw/hello rolled back: now v3\n  ~ model: \"fake/m2\" -> \"fake/m1\"\n"; got != want {
		t.Fatalf("rollback printed %q, want %q", got, want)
	}
	if got, want := b.ok(t, "rollback", "hello", "--to", "1"), "claw/hello unchanged: v3 already has that spec\n"; got != want {
		t.Fatalf("rollback --to 1 printed %q, want %q", got, want)
	}

	if got, want := b.ok(t, "delete", "hello"), "claw/hello deleted\n"; got != want {
		t.Fatalf("delete printed %q, want %q", got, want)
	}
	if r := b.run(t, "", nil, "get", "hello"); r.err == nil || !strings.Contains(r.err.Error(), "not found") {
		t.Fatalf("get after delete = %q, %v; want not found", r.stdout, r.err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	empty := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int    // 0: a plain error (exit 1)
		wantErr    string // with wantCode 0
		wantStderr string
	}{
		{name: "get unknown claw", args: []string{"get", "nope"}, wantErr: `"nope" not found`},
		{name: "unknown claw hints", args: []string{"runs", "nope"}, wantErr: "'reef claws' lists the claws"},
		{name: "bad token hints", args: []string{"claws", "--token", "wrong"}, wantErr: "DATA/admin.token"},
		{name: "send to unknown claw", args: []string{"send", "nope", "hi", "--wait"}, wantErr: "not found"},
		{name: "runs of unknown claw", args: []string{"runs", "nope"}, wantErr: "not found"},
		{name: "delete unknown claw", args: []string{"delete", "nope"}, wantErr: "not found"},
		{name: "rollback unknown claw", args: []string{"rollback", "nope"}, wantErr: "not found"},
		{name: "chat with unknown claw", args: []string{"chat", "nope"}, wantErr: "not found"},
		{name: "bad token", args: []string{"claws"}, env: map[string]string{"REEF_TOKEN": "wrong"}, wantErr: "invalid token"},
		{name: "bad token flag", args: []string{"get", "hello", "--token", "wrong"}, wantErr: "invalid token"},
		{name: "no token", args: []string{"claws", "--wait-ready", "0"}, env: map[string]string{"REEF_DATA": empty}, wantErr: "no token"},
		{name: "message over the limit", args: []string{"send", "hello", strings.Repeat("x", api.MaxBody+1)}, wantErr: "over the node's limit"},
		{name: "send with --file and text", args: []string{"send", "hello", "hi", "--file", "x"}, wantCode: 2, wantStderr: "usage: reef send"},
		{name: "send a missing file", args: []string{"send", "hello", "--file", filepath.Join(empty, "none.txt")}, wantErr: "read message"},
		{name: "missing spec file", args: []string{"apply", "-f", filepath.Join(empty, "none.yaml")}, wantErr: "read spec"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "apply without -f", args: []string{"apply"}, wantCode: 2, wantStderr: "usage: reef apply -f FILE"},
		{name: "apply with an argument", args: []string{"apply", "claw.yaml"}, wantCode: 2, wantStderr: "usage: reef apply"},
		{name: "get without name", args: []string{"get"}, wantCode: 2, wantStderr: "usage: reef get NAME"},
		{name: "get two names", args: []string{"get", "a", "b"}, wantCode: 2, wantStderr: "usage: reef get NAME"},
		{name: "delete without name", args: []string{"delete"}, wantCode: 2, wantStderr: "usage: reef delete NAME"},
		{name: "send without text", args: []string{"send", "hello"}, wantCode: 2, wantStderr: "usage: reef send NAME TEXT"},
		{name: "chat without name", args: []string{"chat"}, wantCode: 2, wantStderr: "usage: reef chat NAME"},
		{name: "runs without name", args: []string{"runs"}, wantCode: 2, wantStderr: "usage: reef runs NAME"},
		{name: "rollback without name", args: []string{"rollback"}, wantCode: 2, wantStderr: "usage: reef rollback NAME"},
		{name: "too many args after --", args: []string{"send", "--", "hello", "a", "-b"}, wantCode: 2, wantStderr: "usage: reef send"},
		{name: "unknown flag", args: []string{"claws", "--bogus"}, wantCode: 2, wantStderr: "flag provided but not defined: -bogus"},
		{name: "bad flag value", args: []string{"runs", "hello", "--limit", "many"}, wantCode: 2, wantStderr: "usage: reef runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.run(t, "", tt.env, tt.args...)
			if r.err == nil {
				t.Fatalf("reef %s succeeded: %q", strings.Join(tt.args, " "), r.stdout)
			}
			if code := exitCode(r.err); code != tt.wantCode {
				t.Fatalf("reef %s = %v (exit code %d), want exit code %d", strings.Join(tt.args, " "), r.err, code, tt.wantCode)
			}
			if tt.wantErr != "" && !strings.Contains(r.err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", r.err, tt.wantErr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	names := []string{"serve", "apply", "claws", "get", "delete", "send", "chat", "runs", "rollback", "version", "bench", "fake-model"}
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}} {
		t.Run(strings.Join(append([]string{"reef"}, args...), " "), func(t *testing.T) {
			t.Parallel()
			var stdout bytes.Buffer
			env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stdout, Getenv: func(string) string { return "" }}
			if err := cli.Run(t.Context(), env, args); err != nil {
				t.Fatal(err)
			}
			for _, name := range names {
				if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` `).MatchString(stdout.String()) {
					t.Errorf("help does not list %s:\n%s", name, stdout.String())
				}
			}
		})
	}
}

func TestCommandHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := cli.Run(t.Context(), env, []string{"send", "-h"}); err != nil {
		t.Fatalf("send -h = %v, want success", err)
	}
	for _, flag := range []string{"-session", "-wait", "-timeout", "-server", "-token", "-data"} {
		if !strings.Contains(stderr.String(), flag) {
			t.Errorf("send -h does not describe %s:\n%s", flag, stderr.String())
		}
	}
}

func TestChat(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	tests := []struct {
		name, stdin string
		args        []string
		want        []string
	}{
		{"exit", "hi\n/exit\nnot sent\n", []string{"chat", "hello"}, []string{"echo: hi\n"}},
		{"end of input", "one\n\n  two  \n", []string{"chat", "hello", "--session", "eof"}, []string{"echo: one\n", "echo: two\n"}},
		{"quit", "/quit\n", []string{"chat", "hello"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.run(t, tt.stdin, nil, tt.args...)
			if r.err != nil {
				t.Fatalf("chat: %v\n%s", r.err, r.stdout)
			}
			if !strings.HasPrefix(r.stdout, "Talking to hello") {
				t.Errorf("chat does not greet: %q", r.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("chat printed %q, want it to contain %q", r.stdout, w)
				}
			}
			_, talk, _ := strings.Cut(r.stdout, "\n")
			if strings.Contains(talk, "not sent") || strings.Contains(talk, "/exit") {
				t.Errorf("chat went on after /exit: %q", r.stdout)
			}
		})
	}
	// Each chat line is a message: "not sent" never reached the model.
	for _, c := range b.model.Calls() {
		if c.LastUserText() == "not sent" || strings.HasPrefix(c.LastUserText(), "/") {
			t.Errorf("model received %q", c.LastUserText())
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"reachable", nil, "server: reef " + nodeVersion + " at " + b.node.URL() + "\n"},
		{"no token", map[string]string{"REEF_DATA": t.TempDir()}, "server: (no token: "},
		{"unreachable", map[string]string{"REEF_SERVER": "http://127.0.0.1:1"}, "server: unreachable ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.run(t, "", tt.env, "version")
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !strings.HasPrefix(r.stdout, "client: reef "+cli.BuildVersion()+"\n") || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("version printed %q, want the client's version and %q", r.stdout, tt.want)
			}
		})
	}
}

func TestGetSpecRoundTrips(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, "name: hello\nmodel: fake/m1\ninstructions: Be brief.\ntools: [echo]\nlimits:\n  run_timeout: 90s\n"))
	spec := b.ok(t, "get", "hello", "--spec")
	if strings.Contains(spec, `"state"`) || !strings.Contains(spec, `"run_timeout": "1m30s"`) {
		t.Fatalf("get --spec printed:\n%s", spec)
	}
	r := b.run(t, spec, nil, "apply", "-f", "-")
	if r.err != nil || r.stdout != "claw/hello unchanged (v1)\n" {
		t.Fatalf("re-apply of get --spec = %q, %v", r.stdout, r.err)
	}
}

// TestGetSpecWithWebhookSecret: `reef get --spec` shows a webhook secret
// as "(set)", never its value, and applying that output keeps the secret.
func TestGetSpecWithWebhookSecret(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	const secret = "whsec_c2VjcmV0LW9uZS12YWx1ZQ=="
	b.ok(t, "apply", "-f", writeSpec(t, "name: hooked\nmodel: fake/m1\nwebhooks:\n  - name: gh\n    secret: "+secret+"\n"))
	for _, args := range [][]string{{"get", "hooked", "--spec"}, {"get", "hooked"}} {
		if out := b.ok(t, args...); strings.Contains(out, secret) || !strings.Contains(out, `"(set)"`) {
			t.Fatalf("reef %s printed:\n%s", strings.Join(args, " "), out)
		}
	}
	r := b.run(t, b.ok(t, "get", "hooked", "--spec"), nil, "apply", "-f", "-")
	if r.err != nil || r.stdout != "claw/hooked unchanged (v1)\n" {
		t.Fatalf("re-apply of get --spec = %q, %v", r.stdout, r.err)
	}
}

// TestOutputJSON: read commands print the node's answer as JSON with
// --output json, and refuse an unknown format.
func TestOutputJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	b.ok(t, "send", "hello", "hi", "--wait")
	for _, args := range [][]string{
		{"claws"}, {"runs", "hello"}, {"sessions", "hello"}, {"session", "show", "hello", "main"},
		{"audit"}, {"approvals"}, {"schedules", "hello"},
	} {
		out := b.ok(t, append(args, "--output", "json")...)
		if !json.Valid([]byte(out)) {
			t.Errorf("reef %s --output json printed no JSON: %q", strings.Join(args, " "), out)
		}
	}
	var claws []claw.Claw
	if err := json.Unmarshal([]byte(b.ok(t, "claws", "--output", "json")), &claws); err != nil || len(claws) != 1 || claws[0].Name != "hello" {
		t.Fatalf("claws --output json = %+v, %v", claws, err)
	}
	if r := b.run(t, "", nil, "claws", "--output", "xml"); r.err == nil || !strings.Contains(r.err.Error(), `unknown format "xml"`) {
		t.Fatalf("--output xml = %v", r.err)
	}
}

// TestSendWaitStreams: send --wait prints the model's text as it streams
// and each tool call as one line on stderr.
func TestSendWaitStreams(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c llmtest.Call) llmtest.Reply {
		last := c.Messages[len(c.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Text: "the echo said " + last.Content}
		}
		return llmtest.Reply{Text: "let me check", ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": "ping"})}}
	})
	b.ok(t, "apply", "-f", writeSpec(t, helloSpec))
	r := b.run(t, "", nil, "send", "hello", "go", "--wait")
	if r.err != nil {
		t.Fatalf("send --wait: %v (%s)", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, `→ echo {"text":"ping"}`) {
		t.Errorf("stderr %q shows no tool line", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "let me check\n") || !strings.HasSuffix(r.stdout, "the echo said ping\n") {
		t.Errorf("stdout = %q, want the streamed text then the reply", r.stdout)
	}
}
