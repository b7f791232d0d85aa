package cli_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/cli"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/openai"
)

// startFakeModel runs `reef fake-model --addr 127.0.0.1:0` with args until
// the test ends and returns its root URL.
func startFakeModel(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: pw, Getenv: func(string) string { return "" }}
		err := cli.Run(ctx, env, append([]string{"fake-model", "--addr", "127.0.0.1:0"}, args...))
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fake-model: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read fake-model banner %q: %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(line, "fake model serving on ")
	if !ok {
		t.Fatalf("banner %q", line)
	}
	url, _, _ = strings.Cut(url, ": ")
	return url
}

func TestFakeModelScript(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "script.yaml")
	text := "rules:\n  - match: list files\n    tools:\n      - name: shell\n        args: {command: ls}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	root := startFakeModel(t, "--script", path)
	p := openai.New(llm.ClientConfig{BaseURL: root + "/v1", APIKey: "x", MaxRetries: -1})

	t.Run("tool call", func(t *testing.T) {
		t.Parallel()
		req := llm.Request{Model: "fake", Messages: []llm.Message{{Role: llm.RoleUser, Content: "please list files"}}}
		resp, err := p.Complete(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		calls := resp.Message.ToolCalls
		if len(calls) != 1 || calls[0].Name != "shell" || string(calls[0].Arguments) != `{"command":"ls"}` || calls[0].ID == "" {
			t.Fatalf("tool calls %+v, want one shell call", calls)
		}
		req.Messages = append(req.Messages, resp.Message, llm.Message{Role: llm.RoleTool, ToolCallID: calls[0].ID, Content: "a.txt\nb.txt\n"})
		resp, err = p.Complete(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := resp.Message.Content, "tool shell returned: a.txt b.txt"; got != want || len(resp.Message.ToolCalls) != 0 {
			t.Fatalf("final answer %q, want %q", got, want)
		}
	})

	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		var deltas []string
		req := llm.Request{
			Model:    "fake",
			Messages: []llm.Message{{Role: llm.RoleUser, Content: "/stream 5ms\n/usage 11 4\n/say one two three"}},
			OnText:   func(d string) { deltas = append(deltas, d) },
		}
		resp, err := p.Complete(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Message.Content != "one two three" || strings.Join(deltas, "") != "one two three" || len(deltas) < 3 {
			t.Fatalf("content %q, deltas %q", resp.Message.Content, deltas)
		}
		if resp.Usage != (llm.Usage{InputTokens: 11, OutputTokens: 4}) {
			t.Fatalf("usage %+v, want 11/4", resp.Usage)
		}
	})

	t.Run("fail", func(t *testing.T) {
		t.Parallel()
		_, err := p.Complete(t.Context(), llm.Request{Model: "fake", Messages: []llm.Message{{Role: llm.RoleUser, Content: "/fail 418 teapot"}}})
		var lerr *llm.Error
		if !errors.As(err, &lerr) || lerr.Status != 418 {
			t.Fatalf("err = %v, want an *llm.Error with 418", err)
		}
	})
}

func TestFakeModelBadScript(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "script.yaml")
	if err := os.WriteFile(path, []byte("rules:\n  - match: a\n    replay: b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	err := cli.Run(t.Context(), env, []string{"fake-model", "--addr", "127.0.0.1:0", "--script", path})
	if err == nil || !strings.Contains(err.Error()+out.String(), "line 3") {
		t.Fatalf("err = %v, output %q, want the bad line named", err, out.String())
	}
}
