package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// TestKill9Reminder is the scheduling durability acceptance: a claw makes
// a reminder 4 s ahead with the schedule tool, the node is killed with
// SIGKILL right after and restarted 6 s later; the reminder fires exactly
// once. Killed and restarted again, the one-shot does not fire twice.
func TestKill9Reminder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	var mu sync.Mutex
	reminders := 0
	fired := make(chan struct{}, 4)
	model := llmtest.NewTest(t, func(c llmtest.Call) llmtest.Reply {
		if last := c.Messages[len(c.Messages)-1]; last.Role == llm.RoleTool {
			return llmtest.Reply{Text: "noted: " + last.Content}
		}
		switch c.LastUserText() {
		case "remind me in 4s":
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "schedule", map[string]string{"action": "create", "in": "4s", "prompt": "reminder: drink water"})}}
		case "reminder: drink water":
			mu.Lock()
			reminders++
			mu.Unlock()
			fired <- struct{}{}
		}
		return llmtest.Reply{Text: "ok"}
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "reef.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("providers:\n  fake:\n    kind: openai\n    base_url: %s/v1\n    api_key: k\n", model.URL())), 0o600)
	data, addr := filepath.Join(dir, "data"), freeAddr(t)
	bin := buildReef(t)
	args := []string{"--data", data, "--addr", addr, "--config", cfg}
	node := startNode(t, bin, args...)
	tok, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	c := client.New("http://"+addr, strings.TrimSpace(string(tok)))
	ctx := t.Context()
	if _, err := c.Apply(ctx, []byte("name: r\nmodel: fake/m\ntools: [schedule]\n")); err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, "r", api.MessageRequest{Text: "remind me in 4s"}, 10*time.Second)
	if err != nil || !strings.Contains(res.Reply, "created schedule") {
		t.Fatalf("send = %+v, %v", res, err)
	}
	node.Process.Kill()
	node.Wait()
	<-time.After(6 * time.Second) // down while the reminder comes due
	node = startNode(t, bin, args...)
	select {
	case <-fired:
	case <-time.After(20 * time.Second):
		t.Fatal("the reminder did not fire after the restart")
	}
	list, err := c.Schedules(ctx, "r")
	if err != nil || len(list) != 1 || list[0].Fires != 1 || len(list[0].Next) != 0 {
		t.Fatalf("schedules = %+v, %v", list, err)
	}
	if _, err := c.Event(ctx, "r", list[0].LastEvent, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	node.Process.Kill()
	node.Wait()
	startNode(t, bin, args...)
	list, err = c.Schedules(ctx, "r")
	if err != nil || len(list) != 1 || list[0].Fires != 1 {
		t.Fatalf("schedules after a second restart = %+v, %v", list, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if reminders != 1 {
		t.Fatalf("the reminder reached the model %d times", reminders)
	}
}
