package agent_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/openai"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/memory"
	"github.com/reefhq/reef/internal/tool/skill"
)

// words returns n words of filler text, different per turn.
func words(turn, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "w%dx%d ", turn, i)
	}
	return strings.TrimSpace(b.String())
}

// messageChars counts the characters of a request's messages.
func messageChars(c llmtest.Call) int {
	n := len(c.System)
	for _, m := range c.Messages {
		n += len(m.Content)
		for _, tc := range m.ToolCalls {
			n += len(tc.Name) + len(tc.Arguments)
		}
	}
	return n
}

// checkPairs fails when a request has a tool call without its result or a
// result without its call.
func checkPairs(t *testing.T, i int, c llmtest.Call) {
	t.Helper()
	open := map[string]bool{}
	for _, m := range c.Messages {
		switch m.Role {
		case llm.RoleAssistant:
			if len(open) > 0 {
				t.Fatalf("call %d: tool calls %v without results", i, open)
			}
			for _, tc := range m.ToolCalls {
				open[tc.ID] = true
			}
		case llm.RoleTool:
			if !open[m.ToolCallID] {
				t.Fatalf("call %d: result of %s without its call", i, m.ToolCallID)
			}
			delete(open, m.ToolCallID)
		default:
			if len(open) > 0 {
				t.Fatalf("call %d: tool calls %v without results", i, open)
			}
		}
	}
}

// TestLongSessionStaysInBudget is the acceptance test of the context
// budget: 150 turns of ~120 words with context_tokens 3000.
func TestLongSessionStaysInBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := spec
	s.ContextTokens = 3000
	c := b.apply(t, s)
	const turns = 150
	for i := range turns {
		b.send(t, c, "main", words(i, 120))
		ev, err := b.process(t, c)
		if err != nil || ev.Status != claw.EventCompleted {
			t.Fatalf("turn %d: event = %+v, %v", i, ev, err)
		}
	}
	calls := b.model.Calls()
	summaries, compactions := 0, 0
	for i, call := range calls {
		if n := messageChars(call); n > 16_000 || n > 3000*3 {
			t.Fatalf("call %d has %d characters; budget 3000 tokens allows 9000", i, n)
		}
		checkPairs(t, i, call)
		if strings.Contains(call.System, "# Summary of the earlier conversation") {
			summaries++
		}
		if strings.HasPrefix(call.LastUserText(), "Summary so far:") {
			compactions++
		}
	}
	maxChars := 0
	for _, call := range calls {
		maxChars = max(maxChars, messageChars(call))
	}
	t.Logf("%d requests, %d compactions, largest request %d characters", len(calls), compactions, maxChars)
	if compactions < 10 || summaries < turns/2 {
		t.Fatalf("%d compaction calls, %d requests with a summary", compactions, summaries)
	}
	// The last turn's request holds its own text and the one before.
	last := calls[len(calls)-1]
	if !strings.Contains(last.LastUserText(), words(turns-1, 120)) {
		t.Fatal("last request lacks the last turn")
	}
	// The transcript is kept whole; compaction shows as steps.
	all, err := b.store.SessionMessages(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "main", 0)
	if err != nil || len(all) != 2*turns {
		t.Fatalf("transcript has %d messages, %v", len(all), err)
	}
	sums, _ := b.store.SessionSummaries(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "main")
	if len(sums) != compactions {
		t.Fatalf("%d summaries stored, %d compaction calls", len(sums), compactions)
	}
	steps := b.steps(t, sums[0].RunID)
	kinds := ""
	for _, st := range steps {
		kinds += string(st.Kind) + ":" + string(st.Status) + " "
	}
	if !strings.Contains(kinds, "compact:finished") {
		t.Fatalf("run %d steps: %s", sums[0].RunID, kinds)
	}
}

// TestHugeToolResultFits: a turn that alone outgrows the budget is cut,
// keeping every tool call with its result.
func TestHugeToolResultFits(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("data ", 5000)
	b := setup(t,
		llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": huge})}},
		llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c2", "echo", map[string]string{"text": "small"})}},
		llmtest.Reply{Text: "done"},
	)
	s := spec
	s.ContextTokens = 2000
	c := b.apply(t, s)
	b.send(t, c, "main", "fetch it")
	ev, err := b.process(t, c)
	if err != nil || ev.Reply != "done" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	for i, call := range b.model.Calls() {
		checkPairs(t, i, call)
		if n := messageChars(call); n > 2000*3 {
			t.Fatalf("call %d has %d characters", i, n)
		}
	}
}

func TestContextTooSmall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := spec
	s.ContextTokens = 50
	s.Instructions = strings.Repeat("very long instructions ", 50)
	c := b.apply(t, s)
	b.send(t, c, "main", "hi")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventFailed || !strings.Contains(ev.Error, "context_tokens 50 is too small") {
		t.Fatalf("event = %+v, %v", ev, err)
	}
}

// memoryBundle is a setup whose claws have the memory and skill tools and
// a workspace root.
func memoryBundle(t *testing.T, replies ...llmtest.Reply) (*bundle, string) {
	t.Helper()
	b := setup(t, replies...)
	root := t.TempDir()
	b.runner.Workspace = func(c claw.Claw) (string, error) { return filepath.Join(root, c.Tenant, c.Name), nil }
	b.runner.Tools = tool.Sources{
		tool.NewRegistry(append(memory.Tools(b.store), tool.Echo{})...),
		skill.Source{Dir: b.runner.Workspace},
	}
	b.runner.Log = slog.New(slog.DiscardHandler)
	return b, root
}

func TestWorkspaceFilesSkillsAndMemory(t *testing.T) {
	t.Parallel()
	b, root := memoryBundle(t,
		llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "skill", map[string]string{"name": "pdf-tools"})}},
		llmtest.Reply{Text: "loaded"},
	)
	s := spec
	s.Tools = []string{"memory_write", "memory_search"}
	c := b.apply(t, s)
	dir := filepath.Join(root, c.Tenant, c.Name)
	for name, body := range map[string]string{
		"SOUL.md":                   "You are Marlin, a calm lobster.",
		"AGENTS.md":                 "Always answer in haiku.",
		"MEMORY.md":                 "The user's boat is called Nautilus.",
		"skills/pdf/SKILL.md":       "---\nname: pdf-tools\ndescription: Read and fill PDF forms.\n---\nStep 1: open the PDF.",
		"skills/hidden/SKILL.md":    "---\nname: hidden\ndescription: Not allowed.\n---\nsecret",
		"memory/2026-01-02.md":      "Went sailing on the Nautilus.",
		"memory/not-a-date-file.md": "ignored",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.Skills = []string{"pdf-tools"}
	c = b.apply(t, s)
	if _, err := b.store.WriteMemory(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, claw.Memory{Text: "The Nautilus is moored in Brest."}); err != nil {
		t.Fatal(err)
	}
	b.send(t, c, "main", "Where is my Nautilus?")
	ev, err := b.process(t, c)
	if err != nil || ev.Reply != "loaded" {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	calls := b.model.Calls()
	sys := calls[0].System
	for _, want := range []string{"Be brief.", "## AGENTS.md\n\nAlways answer in haiku.", "## SOUL.md\n\nYou are Marlin", "## MEMORY.md",
		"- pdf-tools: Read and fill PDF forms.", "# Relevant memories", "moored in Brest"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	if strings.Contains(sys, "hidden") {
		t.Error("a skill outside the allowlist is listed")
	}
	if strings.Index(sys, "AGENTS.md") > strings.Index(sys, "SOUL.md") || strings.Index(sys, "SOUL.md") > strings.Index(sys, "# Skills") ||
		strings.Index(sys, "# Skills") > strings.Index(sys, "# Relevant memories") {
		t.Errorf("sections out of order:\n%s", sys)
	}
	if got := calls[1].Messages[len(calls[1].Messages)-1].Content; !strings.Contains(got, "Step 1: open the PDF.") {
		t.Errorf("skill tool result = %q", got)
	}
	// The daily memory file is indexed.
	found, err := b.store.SearchMemory(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "sailing", 5)
	if err != nil || len(found) != 1 || found[0].Source != "memory/2026-01-02.md" {
		t.Fatalf("daily memory file search = %+v, %v", found, err)
	}
}

// TestMemoryFlushBeforeCompaction: a claw with memory_write gets one
// silent flush turn before its session is compacted, and what it writes
// is kept.
func TestMemoryFlushBeforeCompaction(t *testing.T) {
	t.Parallel()
	var flushes atomic.Int32
	b, _ := memoryBundle(t)
	model := llmtest.NewTest(t, func(c llmtest.Call) llmtest.Reply {
		if strings.Contains(c.LastUserText(), "[memory flush]") {
			flushes.Add(1)
			return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", "memory_write", map[string]any{"text": "The user likes jazz.", "tags": []string{"music"}})}}
		}
		return llmtest.Echo(c)
	})
	b.model = model
	b.runner.Models = fakeModels(model)
	s := spec
	s.ContextTokens = 1500
	s.Tools = []string{"memory_write"}
	c := b.apply(t, s)
	for i := range 12 {
		b.send(t, c, "main", words(i, 80))
		if ev, err := b.process(t, c); err != nil || ev.Status != claw.EventCompleted {
			t.Fatalf("turn %d: %+v, %v", i, ev, err)
		}
	}
	if flushes.Load() == 0 {
		t.Fatal("no memory flush before compaction")
	}
	found, err := b.store.SearchMemory(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "jazz", 5)
	if err != nil || len(found) == 0 || found[0].Tags[0] != "music" {
		t.Fatalf("flushed memory = %+v, %v", found, err)
	}
	// The flush stays out of the transcript.
	all, _ := b.store.SessionMessages(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "main", 0)
	for _, m := range all {
		if strings.Contains(m.Content, "memory flush") || len(m.ToolCalls) > 0 {
			t.Fatalf("flush in the transcript: %+v", m)
		}
	}
	runs, _ := b.store.ListRuns(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, 50)
	kinds := map[claw.StepKind]int{}
	for _, r := range runs {
		for _, st := range b.steps(t, r.ID) {
			kinds[st.Kind]++
		}
	}
	if kinds[claw.StepFlush] == 0 || kinds[claw.StepCompact] == 0 || kinds[claw.StepTool] == 0 {
		t.Fatalf("step kinds = %v", kinds)
	}
}

func TestSessionResetStartsFreshContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.apply(t, spec)
	b.send(t, c, "main", "remember the word tangerine")
	b.process(t, c)
	if _, err := b.store.ResetSession(t.Context(), claw.Ref{Tenant: c.Tenant, Name: c.Name}, "main"); err != nil {
		t.Fatal(err)
	}
	b.send(t, c, "main", "what was the word?")
	b.process(t, c)
	calls := b.model.Calls()
	if m := calls[len(calls)-1].Messages; len(m) != 1 || m[0].Content != "what was the word?" {
		t.Fatalf("request after reset = %+v", m)
	}
}

func fakeModels(s *llmtest.Server) *llm.Registry {
	models := llm.NewRegistry()
	models.Add("fake", openai.New(llm.ClientConfig{Name: "fake", BaseURL: s.URL() + "/v1", APIKey: "k", MaxRetries: -1}))
	return models
}
