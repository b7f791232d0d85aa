package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/workspace"
)

// Compaction (docs/context.md): when a session outgrows the budget, its
// older turns are summarised by the model into a stored summary, which the
// next requests read instead of those turns; the transcript itself stays.

// summariser is the system prompt of a compaction call.
const summariser = `You maintain the running summary of a conversation between a user and an AI assistant, so that the assistant can continue it without the older messages.
Merge the summary so far with the new part of the conversation into one updated summary. Keep: facts about the user, decisions, commitments, open tasks and questions, names, numbers and results of tool calls that still matter. Leave out pleasantries and repetition.
Write plain prose or short bullet points, at most %d words. Answer with the summary only.`

// flushPrompt asks the model to save durable facts before compaction.
const flushPrompt = `[memory flush] The older part of this conversation is about to be summarised and dropped from your context. Before that happens, store every durable fact worth keeping (the user's preferences, decisions, names, commitments, results you will need again) with the memory_write tool, one fact per call. If there is nothing worth storing, reply with NO_REPLY. This turn is silent: the user does not see it.`

// compact summarises the turns before the current event, keeping the most
// recent whole turns that fit in two fifths of the room a full summary
// leaves. A memory flush comes first once per run when the claw can write
// memories.
func (l *loop) compact(ctx context.Context, p llm.Provider, model string, byName map[string]tool.Tool) error {
	start := l.turnStart()
	if start == 0 {
		return nil
	}
	w := l.window
	avail := w.budget - w.fixed() + tokens(w.summary.Text) - summaryTokens(w.budget)
	keep := avail*2/5 - transcriptTokens(l.transcript[start:])
	cut := start
	for cut > 0 {
		j := cut - 1
		for j > 0 && l.transcript[j-1].EventID == l.transcript[cut-1].EventID {
			j--
		}
		n := transcriptTokens(l.transcript[j:cut])
		if n > keep {
			break
		}
		keep -= n
		cut = j
	}
	if cut == 0 {
		return nil
	}
	older := l.transcript[:cut]
	// A flush writes without asking: a claw whose memory_write needs an
	// operator's approval gets none.
	if t, ok := byName[memoryWriteTool]; ok && !w.flushed && !slices.Contains(l.c.Spec.Approval, memoryWriteTool) {
		w.flushed = true
		if err := l.flush(ctx, p, model, older, t); err != nil {
			return err
		}
	}
	if err := l.summarise(ctx, p, model, older); err != nil {
		return err
	}
	l.transcript = l.transcript[cut:]
	return nil
}

// summarise folds older into the session summary, in as many compaction
// calls as it takes for each to fit the budget; each call's summary is
// stored with its step.
func (l *loop) summarise(ctx context.Context, p llm.Provider, model string, older []claw.Message) error {
	w := l.window
	limit := summaryTokens(w.budget)
	system := fmt.Sprintf(summariser, limit*bytesPerToken/6)
	for i := 0; i < len(older); {
		prev := w.summary.Text
		if prev == "" {
			prev = "(none yet)"
		}
		head := "Summary so far:\n" + prev + "\n\nNew part of the conversation:\n"
		room := w.budget - requestOverhead - 2*messageOverhead - tokens(system) - tokens(head)
		if room < 32 {
			return fmt.Errorf("context_tokens %d is too small to compact the session", w.budget)
		}
		var b strings.Builder
		j := i
		for ; j < len(older); j++ {
			line := render(older[j])
			if tokens(line) > room {
				line = workspace.Cut(line, room*bytesPerToken-2, "this message")
			}
			if j > i && tokens(b.String()+line) > room {
				break
			}
			b.WriteString(line)
		}
		step, err := l.nextStep(claw.StepCompact, l.c.Spec.Model, "")
		if err != nil {
			return err
		}
		if err := l.r.Store.StartStep(ctx, l.c.Tenant, step); err != nil {
			return l.store(err)
		}
		req := llm.Request{Model: model, System: system, MaxTokens: limit,
			Messages: []llm.Message{{Role: llm.RoleUser, Content: head + b.String()}}}
		resp, err := p.Complete(ctx, req)
		if err != nil {
			step.Status, step.Error = claw.StepFailed, err.Error()
			if ferr := l.r.Store.FinishStep(ctx, l.c.Tenant, step, nil); ferr != nil {
				return l.store(ferr)
			}
			return fmt.Errorf("compact session: %w", err)
		}
		text := strings.TrimSpace(resp.Message.Content)
		if text == "" {
			text = w.summary.Text
		}
		text = workspace.Cut(text, limit*bytesPerToken, "the summary")
		step.Status, step.InputTokens, step.OutputTokens = claw.StepFinished, resp.Usage.InputTokens, resp.Usage.OutputTokens
		l.tokens += resp.Usage.InputTokens + resp.Usage.OutputTokens
		sum, err := l.r.Store.SaveSummary(ctx, claw.Ref{Tenant: l.c.Tenant, Name: l.c.Name}, &step,
			claw.Summary{Session: l.ev.Session, Through: older[j-1].Seq, Text: text, RunID: l.run.ID})
		if err != nil {
			return l.store(err)
		}
		w.summary = sum
		l.log.Info("session compacted", "session", l.ev.Session, "through", sum.Through, "summary_bytes", len(text))
		i = j
	}
	return nil
}

// render writes a message as a line of the conversation to summarise.
func render(m claw.Message) string {
	var b strings.Builder
	switch m.Role {
	case claw.RoleTool:
		fmt.Fprintf(&b, "tool result: %s\n", m.Content)
	default:
		fmt.Fprintf(&b, "%s: %s\n", m.Role, m.Content)
	}
	for _, c := range m.ToolCalls {
		fmt.Fprintf(&b, "%s called %s %s\n", m.Role, c.Name, c.Arguments)
	}
	return b.String()
}

// flush is the silent memory-flush turn: one model call, offered only
// memory_write, with the turns about to be compacted; the memories it
// writes are tool steps. Its messages stay out of the transcript. A model
// error ends the flush, not the run.
func (l *loop) flush(ctx context.Context, p llm.Provider, model string, older []claw.Message, write tool.Tool) error {
	w := l.window
	defs := []llm.ToolDef{{Name: write.Name(), Description: write.Description(), Parameters: write.Schema()}}
	system := w.system()
	prompt := llm.Message{Role: llm.RoleUser, Content: flushPrompt}
	room := w.budget - requestOverhead - messageOverhead - tokens(system) - toolTokens(defs) - messageTokens(prompt)
	if room < 0 {
		return nil
	}
	msgs := append(shrink(toLLM(older), room), prompt)
	step, err := l.nextStep(claw.StepFlush, l.c.Spec.Model, "")
	if err != nil {
		return err
	}
	if err := l.r.Store.StartStep(ctx, l.c.Tenant, step); err != nil {
		return l.store(err)
	}
	resp, err := p.Complete(ctx, llm.Request{Model: model, System: system, Messages: msgs, Tools: defs})
	if err != nil {
		step.Status, step.Error = claw.StepFailed, err.Error()
		l.log.Warn("memory flush failed", "err", err)
		if ferr := l.r.Store.FinishStep(ctx, l.c.Tenant, step, nil); ferr != nil {
			return l.store(ferr)
		}
		return nil
	}
	step.Status, step.InputTokens, step.OutputTokens = claw.StepFinished, resp.Usage.InputTokens, resp.Usage.OutputTokens
	l.tokens += resp.Usage.InputTokens + resp.Usage.OutputTokens
	if err := l.r.Store.FinishStep(ctx, l.c.Tenant, step, nil); err != nil {
		return l.store(err)
	}
	for _, call := range fromLLM(resp.Message, l.ev).ToolCalls {
		if call.Name != write.Name() {
			continue
		}
		s, err := l.nextStep(claw.StepTool, call.Name, call.ID)
		if err != nil {
			return err
		}
		if err := l.r.Store.StartStep(ctx, l.c.Tenant, s); err != nil {
			return l.store(err)
		}
		_, failed := l.execute(ctx, write, true, call)
		s.Status = claw.StepFinished
		if failed != "" {
			s.Status, s.Error = claw.StepFailed, failed
		}
		if err := l.r.Store.FinishStep(ctx, l.c.Tenant, s, nil); err != nil {
			return l.store(err)
		}
	}
	return nil
}
