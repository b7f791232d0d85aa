package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// buildReef builds the reef binary once per test.
func buildReef(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "reef")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode runs `reef serve` and returns once it logs that it serves.
func startNode(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	return startServe(t, exec.Command(bin, append([]string{"serve"}, args...)...))
}

// startServe starts a prepared `reef serve` command and returns once it
// logs that it serves.
func startServe(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	serving := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "reef serving") {
				close(serving)
				break
			}
			if strings.Contains(sc.Text(), "level=ERROR") {
				t.Errorf("node: %s", sc.Text())
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case <-serving:
	case <-time.After(30 * time.Second):
		t.Fatal("node did not start")
	}
	return cmd
}

// TestKill9 is the durability acceptance test: 300 accepted messages,
// the node killed with SIGKILL while runs are in flight, restarted; every
// event completes with its own reply and no model call is repeated more
// than once.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	const claws, perClaw, killAt = 3, 100, 120
	var mu sync.Mutex
	calls := map[string]int{}
	total := 0
	reached, killed := make(chan struct{}), make(chan struct{})
	model := llmtest.NewTest(t, func(c llmtest.Call) llmtest.Reply {
		text := c.LastUserText()
		mu.Lock()
		calls[text]++
		total++
		n := total
		mu.Unlock()
		if n == killAt {
			close(reached)
		}
		if n >= killAt {
			<-killed // in flight when the node dies
		}
		return llmtest.Reply{Text: "reply to " + text}
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "reef.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("providers:\n  fake:\n    kind: openai\n    base_url: %s/v1\n    api_key: k\n", model.URL())), 0o600)
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	start := time.Now()
	bin := buildReef(t)
	t.Logf("built in %s", time.Since(start))
	node := startNode(t, bin, "--data", data, "--addr", addr, "--config", cfg)
	tok, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	c := client.New("http://"+addr, strings.TrimSpace(string(tok)))
	ctx := t.Context()
	for i := range claws {
		if _, err := c.Apply(ctx, []byte(fmt.Sprintf("name: c%d\nmodel: fake/m\n", i))); err != nil {
			t.Fatal(err)
		}
	}
	type sent struct {
		claw, text string
		id         int64
	}
	var events []sent
	for j := range perClaw {
		for i := range claws {
			name, text := fmt.Sprint("c", i), fmt.Sprintf("message %d to c%d", j, i)
			res, err := c.Send(ctx, name, api.MessageRequest{Text: text, IdempotencyKey: text}, 0)
			if err != nil {
				t.Fatalf("send %q: %v", text, err)
			}
			events = append(events, sent{name, text, res.EventID})
		}
	}
	t.Logf("sent in %s", time.Since(start))
	<-reached
	t.Logf("reached in %s", time.Since(start))
	if err := node.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	node.Wait()
	close(killed)

	startNode(t, bin, "--data", data, "--addr", addr, "--config", cfg)
	t.Logf("restarted in %s", time.Since(start))
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, e := range events {
		res, err := c.Event(wctx, e.claw, e.id, time.Minute)
		if err != nil {
			t.Fatalf("event %d: %v", e.id, err)
		}
		if res.Status != claw.EventCompleted || res.Reply != "reply to "+e.text {
			t.Fatalf("event %d (%q) = %+v", e.id, e.text, res)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	repeated := 0
	for _, e := range events {
		switch n := calls[e.text]; {
		case n == 0:
			t.Errorf("%q never reached the model", e.text)
		case n == 2:
			repeated++
		case n > 2:
			t.Errorf("%q reached the model %d times", e.text, n)
		}
	}
	t.Logf("%d events; %d model calls were in flight at the kill and repeated once", len(events), repeated)
}
