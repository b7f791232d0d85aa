package node_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/store"
)

// TestSchedulesRealTime is the scheduling acceptance on a real clock: an
// every-2s schedule fires 3 to 5 times in 7.5s, an at six seconds ahead
// once, a reminder the claw made with the schedule tool once, and the
// heartbeat on its own model, its HEARTBEAT_OK recorded.
func TestSchedulesRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 7.5 s of real time")
	}
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	models := map[string]string{}
	onceSeen := make(chan struct{}, 1)
	handler := func(c llmtest.Call) llmtest.Reply {
		text := c.LastUserText()
		last := c.Messages[len(c.Messages)-1]
		mu.Lock()
		defer mu.Unlock()
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Text: "done: " + last.Content}
		}
		seen[text]++
		models[text] = c.Model
		switch text {
		case "remind me":
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "schedule", map[string]string{"action": "create", "in": "2s", "prompt": "reminder: stretch"})}}
		case "beat":
			return llmtest.Reply{Text: "HEARTBEAT_OK"}
		case "once":
			onceSeen <- struct{}{}
		}
		return llmtest.Reply{Text: "ok " + text}
	}
	b := setup(t, handler, "")
	ctx := t.Context()
	start := time.Now()
	spec := fmt.Sprintf(`name: sched
model: fake/m1
tools: [schedule]
schedules:
  - {name: tick, every: 2s, prompt: tick}
  - {name: once, at: %q, prompt: once}
heartbeat: {every: 3s, model: fake/cheap, prompt: beat}
`, start.Add(6*time.Second).UTC().Format(time.RFC3339Nano))
	if _, err := b.client.Apply(ctx, []byte(spec)); err != nil {
		t.Fatal(err)
	}
	res, err := b.client.Send(ctx, "sched", api.MessageRequest{Text: "remind me"}, 5*time.Second)
	if err != nil || !strings.Contains(res.Reply, "created schedule self-") {
		t.Fatalf("remind me = %+v, %v", res, err)
	}
	select {
	case <-onceSeen:
	case <-time.After(15 * time.Second):
		t.Fatal("the at schedule never reached the model")
	}
	<-time.After(time.Until(start.Add(7500 * time.Millisecond))) // the acceptance window
	list, err := b.client.Schedules(ctx, "sched")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for _, s := range list {
		byName[s.Name] = s.Fires
		if s.Name == "heartbeat" && s.Fires > 0 && s.LastStatus != store.FireHeartbeatOK && s.LastStatus != store.FirePending {
			t.Errorf("heartbeat last status %q", s.LastStatus)
		}
	}
	if n := byName["tick"]; n < 3 || n > 5 {
		t.Errorf("every 2s fired %d times in 7.5s", n)
	}
	if byName["once"] != 1 {
		t.Errorf("at fired %d times", byName["once"])
	}
	mu.Lock()
	if seen["reminder: stretch"] != 1 || seen["once"] != 1 {
		t.Errorf("model saw the reminder %d times and the one-shot %d times", seen["reminder: stretch"], seen["once"])
	}
	if seen["beat"] == 0 || models["beat"] != "cheap" || models["tick"] != "m1" {
		t.Errorf("heartbeat: %d calls on model %q (tick on %q)", seen["beat"], models["beat"], models["tick"])
	}
	mu.Unlock()

	// Operate: trigger, pause, resume, one schedule's fires, cancel.
	ev, err := b.client.Trigger(ctx, "sched", "once")
	if err != nil || ev.EventID == 0 {
		t.Fatalf("trigger = %+v, %v", ev, err)
	}
	if v, err := b.client.SetSchedulePaused(ctx, "sched", "tick", true); err != nil || !v.Paused || len(v.Next) != 0 {
		t.Fatalf("pause = %+v, %v", v, err)
	}
	if v, err := b.client.SetSchedulePaused(ctx, "sched", "tick", false); err != nil || v.Paused || len(v.Next) != 3 {
		t.Fatalf("resume = %+v, %v", v, err)
	}
	one, err := b.client.Schedule(ctx, "sched", "once")
	if err != nil || len(one.Recent) != 2 || one.Timing == "" {
		t.Fatalf("once = %+v, %v", one, err)
	}
	if err := b.client.CancelSchedule(ctx, "sched", "tick"); apiStatus(err) != 409 {
		t.Fatalf("cancel of a spec schedule: %v", err)
	}
	if _, err := b.client.Trigger(ctx, "sched", "nope"); apiStatus(err) != 404 {
		t.Fatalf("trigger of a missing schedule: %v", err)
	}
	// A restart does not fire the one-shot again (its fires: the one at
	// its time and the trigger).
	b.node.Stop(ctx)
	b.start(t, "")
	if s, err := b.client.Schedule(ctx, "sched", "once"); err != nil || s.Fires != 2 || len(s.Next) != 0 {
		t.Fatalf("once after restart = %+v, %v", s, err)
	}
}
