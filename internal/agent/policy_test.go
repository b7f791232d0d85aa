package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/tool"
)

func TestApprovalApprovedAndDenied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		decision store.ApprovalDecision
		calls    int32
		result   string // the tool result the model reads
	}{
		{"approved", store.ApprovalDecision{Approve: true, By: "admin"}, 1, "done"},
		{"denied", store.ApprovalDecision{Reason: "not today", By: "admin"}, 0, "error: the operator denied this call of side: not today"},
		{"timed out", store.ApprovalDecision{Reason: "no decision before the approval timeout (1h0m0s)", By: "timeout"}, 0,
			"error: this call of side was denied: no decision before the approval timeout (1h0m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "side", map[string]string{})}}, llmtest.Reply{Text: "finished"})
			sp := spec
			sp.Approval = []string{"side"}
			c := b.apply(t, sp)
			first := b.send(t, c, "main", "do it")
			b.send(t, c, "main", "queued behind")
			ev, err := b.process(t, c)
			if err != nil || ev.Status != claw.EventRunning || ev.ID != first.ID {
				t.Fatalf("event after the request = %+v, %v", ev, err)
			}
			run, _ := b.store.GetRun(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, ev.RunID)
			if run.Status != claw.RunAwaitingApproval || b.side.calls.Load() != 0 {
				t.Fatalf("run = %s, tool calls %d", run.Status, b.side.calls.Load())
			}
			// The mailbox is held: the next event waits too.
			if _, ok, err := b.runner.RunNext(t.Context(), c, nil); ok || err != nil {
				t.Fatalf("RunNext while awaiting = %v, %v", ok, err)
			}
			if _, err := b.store.DecideApproval(t.Context(), c.Tenant, run.ID, tt.decision); err != nil {
				t.Fatal(err)
			}
			ev, err = b.process(t, c)
			if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "finished" || b.side.calls.Load() != tt.calls {
				t.Fatalf("event after the decision = %+v, %v; tool calls %d", ev, err, b.side.calls.Load())
			}
			calls := b.model.Calls()
			msgs := calls[len(calls)-1].Messages
			if got := msgs[len(msgs)-1]; got.Role != llm.RoleTool || got.Content != tt.result {
				t.Fatalf("tool result = %+v, want %q", got, tt.result)
			}
			if ev, _ := b.process(t, c); ev.Text != "queued behind" || ev.Status != claw.EventCompleted {
				t.Fatalf("queued event = %+v", ev)
			}
		})
	}
}

// blockTool blocks until its context ends.
type blockTool struct{}

func (blockTool) Name() string            { return "block" }
func (blockTool) Description() string     { return "blocks" }
func (blockTool) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (blockTool) Idempotent() bool        { return true }
func (blockTool) Call(ctx context.Context, _ tool.Env, _ json.RawMessage) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

func TestToolTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "block", map[string]string{})}}, llmtest.Reply{Text: "gave up"})
	b.runner.Tools = tool.NewRegistry(blockTool{})
	c := b.apply(t, claw.Spec{Name: "c", Model: "fake/m1", Tools: []string{"block"}, ToolTimeouts: map[string]claw.Duration{"block": claw.Duration(time.Millisecond)}})
	b.send(t, c, "main", "go")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "gave up" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	steps := b.steps(t, ev.RunID)
	if s := steps[1]; s.Kind != claw.StepTool || s.Status != claw.StepFailed || !strings.Contains(s.Error, "block timed out after 1ms (tool_timeout)") {
		t.Fatalf("tool step = %+v", s)
	}
}

func TestHaltAtStepBoundary(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": "x"})}}, llmtest.Reply{Text: "end"})
	c := b.apply(t, spec)
	b.send(t, c, "main", "go")
	beats := 0
	halt := func() error {
		beats++
		if beats >= 2 {
			return supervise.ErrHalted
		}
		return nil
	}
	id, ok, err := b.runner.RunNext(t.Context(), c, stepControl(halt))
	if !ok || !errors.Is(err, supervise.ErrHalted) {
		t.Fatalf("RunNext halted = %v, %v", ok, err)
	}
	ev, _ := b.store.GetEvent(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, id)
	if ev.Status != claw.EventRunning || len(b.model.Calls()) != 1 {
		t.Fatalf("halted event = %+v after %d model calls", ev, len(b.model.Calls()))
	}
	// Resumed from the boundary: the tool call and the final answer.
	ev, err = b.process(t, c)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "end" || len(b.model.Calls()) != 2 {
		t.Fatalf("resumed event = %+v, %v", ev, err)
	}
	for _, s := range b.steps(t, ev.RunID) {
		if s.Status != claw.StepFinished {
			t.Fatalf("step %+v not finished", s)
		}
	}
}

// stepControl is a claw.RunControl whose Step is the function itself and
// whose Lend lends nothing.
type stepControl func() error

func (f stepControl) Step() error            { return f() }
func (f stepControl) Lend() (reclaim func()) { return func() {} }
