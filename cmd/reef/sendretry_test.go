package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// TestSendWaitAcrossAKill9: the node is killed with SIGKILL while `reef
// send --wait` waits for the reply, and restarted. The client sends the
// message again with its idempotency key and prints the original event's
// reply; the claw's session holds the message once.
func TestSendWaitAcrossAKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	const text = "hello across a crash"
	var mu sync.Mutex
	calls := 0
	reached, killed := make(chan struct{}), make(chan struct{})
	model := llmtest.NewTest(t, func(c llmtest.Call) llmtest.Reply {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			close(reached)
			<-killed // in flight when the node dies
		}
		return llmtest.Reply{Text: "reply to " + c.LastUserText()}
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "reef.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("providers:\n  fake:\n    kind: openai\n    base_url: %s/v1\n    api_key: k\n", model.URL())), 0o600)
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	bin := buildReef(t)
	node := startNode(t, bin, "--data", data, "--addr", addr, "--config", cfg)
	tokb, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(tokb))
	c := client.New("http://"+addr, tok)
	if _, err := c.Apply(t.Context(), []byte("name: c\nmodel: fake/m\n")); err != nil {
		t.Fatal(err)
	}

	send := exec.Command(bin, "send", "c", text, "--wait", "--timeout", "2m", "--server", "http://"+addr)
	send.Env = append(os.Environ(), "REEF_TOKEN="+tok)
	var stdout, stderr bytes.Buffer
	send.Stdout, send.Stderr = &stdout, &stderr
	if err := send.Start(); err != nil {
		t.Fatal(err)
	}
	<-reached
	if err := node.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	node.Wait()
	close(killed)
	startNode(t, bin, "--data", data, "--addr", addr, "--config", cfg)
	if err := send.Wait(); err != nil {
		t.Fatalf("reef send --wait across a kill: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if got := stdout.String(); got != "reply to "+text+"\n" {
		t.Fatalf("reef send printed %q (stderr %q)", got, stderr.String())
	}
	sess, err := c.Session(t.Context(), "c", claw.DefaultSession, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range sess.Messages {
		if m.Role == claw.RoleUser && m.Content == text {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the session holds the message %d times, want once: %+v", n, sess.Messages)
	}
}
