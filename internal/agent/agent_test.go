package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reefhq/reef/internal/agent"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/openai"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/tool"
)

// sideTool is a non-idempotent tool that counts its calls; it panics when
// asked to.
type sideTool struct{ calls atomic.Int32 }

func (*sideTool) Name() string            { return "side" }
func (*sideTool) Description() string     { return "has a side effect" }
func (*sideTool) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (*sideTool) Idempotent() bool        { return false }
func (s *sideTool) Call(_ context.Context, _ tool.Env, args json.RawMessage) (string, error) {
	s.calls.Add(1)
	if strings.Contains(string(args), "panic") {
		panic("side tool exploded")
	}
	return "done", nil
}

type bundle struct {
	store  store.Store
	model  *llmtest.Server
	runner *agent.Runner
	side   *sideTool
}

func setup(t *testing.T, replies ...llmtest.Reply) *bundle {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	model := llmtest.NewTest(t, llmtest.Script(replies...))
	models := llm.NewRegistry()
	models.Add("fake", openai.New(llm.ClientConfig{Name: "fake", BaseURL: model.URL() + "/v1", APIKey: "k", MaxRetries: -1}))
	side := &sideTool{}
	return &bundle{
		store: st, model: model, side: side,
		runner: &agent.Runner{Store: st, Models: models, Tools: tool.NewRegistry(tool.Echo{}, side), Log: slog.New(slog.DiscardHandler)},
	}
}

func (b *bundle) apply(t *testing.T, s claw.Spec) claw.Claw {
	t.Helper()
	canon, _ := json.Marshal(s)
	res, err := b.store.ApplyClaw(t.Context(), claw.DefaultTenant, s, canon)
	if err != nil {
		t.Fatal(err)
	}
	return res.Claw
}

func (b *bundle) send(t *testing.T, c claw.Claw, session, text string) claw.Event {
	t.Helper()
	ev, _, err := b.store.Enqueue(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: fmt.Sprint(text, session), Session: session, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// process runs the claw's next event and returns it as stored after.
func (b *bundle) process(t *testing.T, c claw.Claw) (claw.Event, error) {
	t.Helper()
	id, ok, runErr := b.runner.RunNext(t.Context(), c, nil)
	if !ok {
		t.Fatalf("RunNext found no event (%v)", runErr)
	}
	ev, err := b.store.GetEvent(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, id)
	if err != nil {
		t.Fatal(err)
	}
	return ev, runErr
}

func (b *bundle) steps(t *testing.T, runID int64) []claw.Step {
	t.Helper()
	s, err := b.store.RunSteps(t.Context(), claw.DefaultTenant, runID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var spec = claw.Spec{Name: "c", Model: "fake/m1", Instructions: "Be brief.", Tools: []string{"echo", "side"}}

func TestReplyAndSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.apply(t, spec)
	b.send(t, c, "main", "hello")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "echo: hello" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	b.send(t, c, "main", "second")
	b.send(t, c, "other", "elsewhere")
	b.process(t, c)
	b.process(t, c)
	calls := b.model.Calls()
	if len(calls) != 3 {
		t.Fatalf("model calls = %d", len(calls))
	}
	if calls[0].System != "Be brief." || calls[0].Model != "m1" || len(calls[0].Tools) != 2 {
		t.Fatalf("first call = %+v", calls[0])
	}
	m := calls[1].Messages
	if len(m) != 3 || m[0].Content != "hello" || m[1].Content != "echo: hello" || m[2].Content != "second" {
		t.Fatalf("second call's messages = %+v", m)
	}
	if m := calls[2].Messages; len(m) != 1 || m[0].Content != "elsewhere" {
		t.Fatalf("other session's messages = %+v", m)
	}
}

func TestToolRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t,
		llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": "ping"}), llmtest.ToolCall("c2", "nope", map[string]string{})}},
		llmtest.Reply{Text: "tool said ping"},
	)
	c := b.apply(t, spec)
	b.send(t, c, "main", "use the tool")
	ev, err := b.process(t, c)
	if err != nil || ev.Reply != "tool said ping" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	steps := b.steps(t, ev.RunID)
	if len(steps) != 4 || steps[1].Kind != claw.StepTool || steps[1].Status != claw.StepFinished || steps[2].Status != claw.StepFailed {
		t.Fatalf("steps = %+v", steps)
	}
	second := b.model.Calls()[1].Messages
	if len(second) != 4 || second[2].Content != "ping" || second[2].ToolCallID != "c1" || !strings.Contains(second[3].Content, `unknown tool "nope"`) {
		t.Fatalf("second request = %+v", second)
	}
}

func TestModelErrorThenRecovery(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Reply{Status: 500, ErrorMessage: "upstream melted"})
	c := b.apply(t, spec)
	b.send(t, c, "main", "one")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventFailed || !strings.Contains(ev.Error, "500") || !strings.Contains(ev.Error, "upstream melted") {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	b.send(t, c, "main", "two")
	ev, err = b.process(t, c)
	if err != nil || ev.Status != claw.EventCompleted || ev.Reply != "echo: two" {
		t.Fatalf("next event = %+v, %v", ev, err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	loopCall := llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", "echo", map[string]string{"text": "again"})}, InputTokens: 10, OutputTokens: 10}
	tests := []struct {
		name   string
		limits claw.Limits
		want   string
	}{
		{"steps", claw.Limits{MaxSteps: 3}, "step limit reached (max_steps 3)"},
		{"tokens", claw.Limits{MaxTokens: 50}, "token limit reached (max_tokens 50, used 60)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, loopCall, loopCall, loopCall, loopCall, loopCall)
			s := spec
			s.Limits = tt.limits
			c := b.apply(t, s)
			b.send(t, c, "main", "loop forever")
			ev, err := b.process(t, c)
			if err != nil || ev.Status != claw.EventFailed || ev.Error != tt.want {
				t.Fatalf("event = %+v, %v", ev, err)
			}
		})
	}
}

func TestBadModel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := spec
	s.Model = "missing/m"
	c := b.apply(t, s)
	b.send(t, c, "main", "hi")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventFailed || !strings.Contains(ev.Error, "missing") {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	// Through RunNext, the step ClaimRun started is closed as failed.
	b.send(t, c, "main", "again")
	id, _, err := b.runner.RunNext(t.Context(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ = b.store.GetEvent(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, id)
	steps := b.steps(t, ev.RunID)
	if ev.Status != claw.EventFailed || len(steps) != 1 || steps[0].Status != claw.StepFailed || !strings.Contains(steps[0].Error, "missing") {
		t.Fatalf("event = %+v, steps = %+v", ev, steps)
	}
}

func TestPanicIsRecordedOnTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "side", map[string]string{"do": "panic"})}})
	c := b.apply(t, spec)
	b.send(t, c, "main", "explode")
	ev, err := b.process(t, c)
	var perr *agent.PanicError
	if !errors.As(err, &perr) || !strings.Contains(perr.Error(), "side tool exploded") {
		t.Fatalf("Run error = %v", err)
	}
	if ev.Status != claw.EventFailed || ev.Error != "panic: side tool exploded" {
		t.Fatalf("event = %+v", ev)
	}
	// The transcript keeps a dangling tool call; the next request answers it.
	b.send(t, c, "main", "after")
	if ev, err := b.process(t, c); err != nil || ev.Reply != "echo: after" {
		t.Fatalf("next event = %+v, %v", ev, err)
	}
	msgs := b.model.Calls()[1].Messages
	if len(msgs) != 4 || msgs[2].Role != llm.RoleTool || !strings.Contains(msgs[2].Content, "no result") {
		t.Fatalf("request after panic = %+v", msgs)
	}
}

// TestResume covers the crash rules: the state a crash leaves is built by
// hand, then the run is resumed.
func TestResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tool       string // "" leaves a model call in flight
		wantSide   int32  // calls of the side tool on resume
		wantResult string // what the model is told the tool returned
	}{
		{"model call in flight", "", 0, ""},
		{"idempotent tool in flight", "echo", 0, "again"},
		{"side-effecting tool in flight", "side", 0, "may or may not have taken effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, llmtest.Reply{Text: "resumed fine"})
			c := b.apply(t, spec)
			sent := b.send(t, c, "main", "work")
			ctx := t.Context()
			// A claim records the run and step 1 (the model call) as started.
			ev, run, _, err := b.store.ClaimRun(ctx, c.Tenant, c)
			if err != nil || ev.ID != sent.ID {
				t.Fatalf("ClaimRun = %d, %v; want event %d", ev.ID, err, sent.ID)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.tool != "" {
				call := claw.ToolCall{ID: "t1", Name: tt.tool, Arguments: json.RawMessage(`{"text":"again"}`)}
				must(b.store.FinishStep(ctx, c.Tenant, claw.Step{RunID: run.ID, Seq: 1, Status: claw.StepFinished},
					[]claw.Message{{Session: "main", EventID: ev.ID, Role: claw.RoleAssistant, ToolCalls: []claw.ToolCall{call}}}))
				must(b.store.StartStep(ctx, c.Tenant, claw.Step{RunID: run.ID, Seq: 2, Kind: claw.StepTool, Name: tt.tool, ToolCallID: "t1"}))
			}
			// The node "restarts": the same event is resumed.
			ev, err = b.process(t, c)
			if err != nil || ev.Reply != "resumed fine" {
				t.Fatalf("resumed event = %+v, %v", ev, err)
			}
			if n := b.model.CallCount(); n != 1 {
				t.Fatalf("model calls on resume = %d, want 1", n)
			}
			if got := b.side.calls.Load(); got != tt.wantSide {
				t.Fatalf("side tool ran %d times", got)
			}
			msgs := b.model.Calls()[0].Messages
			if tt.tool != "" && !strings.Contains(msgs[len(msgs)-1].Content, tt.wantResult) {
				t.Fatalf("tool result on resume = %q, want %q", msgs[len(msgs)-1].Content, tt.wantResult)
			}
			runs, _ := b.store.ListRuns(ctx, claw.Ref{Tenant: c.Tenant, Name: c.Name}, 1)
			if runs[0].Attempts != 2 {
				t.Fatalf("attempts = %d", runs[0].Attempts)
			}
			steps := b.steps(t, run.ID)
			if tt.tool == "" && (steps[0].Status != claw.StepFailed || !strings.Contains(steps[0].Error, "interrupted")) {
				t.Fatalf("interrupted model step = %+v", steps[0])
			}
			for _, s := range steps {
				if s.Status == claw.StepStarted {
					t.Fatalf("step left started: %+v", s)
				}
			}
		})
	}
}

func TestRunNextFreshAndAfterCrashedClaim(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.apply(t, spec)
	b.send(t, c, "main", "one")
	id, ok, err := b.runner.RunNext(t.Context(), c, nil)
	if err != nil || !ok {
		t.Fatalf("RunNext = %v, %v", ok, err)
	}
	ev, _ := b.store.GetEvent(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, id)
	if ev.Reply != "echo: one" {
		t.Fatalf("event = %+v", ev)
	}
	if steps := b.steps(t, ev.RunID); len(steps) != 1 || steps[0].Status != claw.StepFinished || steps[0].OutputTokens == 0 {
		t.Fatalf("steps = %+v", steps)
	}
	// A claim whose process died before the model answered.
	b.send(t, c, "main", "two")
	if _, _, ok, err := b.store.ClaimRun(t.Context(), c.Tenant, c); !ok || err != nil {
		t.Fatalf("ClaimRun = %v, %v", ok, err)
	}
	id, ok, err = b.runner.RunNext(t.Context(), c, nil)
	if err != nil || !ok {
		t.Fatalf("RunNext after crash = %v, %v", ok, err)
	}
	ev, _ = b.store.GetEvent(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, id)
	steps := b.steps(t, ev.RunID)
	if ev.Reply != "echo: two" || len(steps) != 2 || steps[0].Status != claw.StepFailed || steps[1].Status != claw.StepFinished {
		t.Fatalf("resumed event = %+v, steps %+v", ev, steps)
	}
	if n := b.model.CallCount(); n != 2 {
		t.Fatalf("model calls = %d, want 2", n)
	}
	if _, ok, _ := b.runner.RunNext(t.Context(), c, nil); ok {
		t.Fatal("RunNext on an empty mailbox reported an event")
	}
}
