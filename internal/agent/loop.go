package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/tool"
)

// interruptedResult is what the model is told about a tool call that was
// started but not recorded as finished before a crash, when the tool is not
// idempotent.
const interruptedResult = "error: this tool call was interrupted by a restart of the node; it may or may not have taken effect. Check before repeating it."

// loop is the state of one run attempt.
type loop struct {
	r      *Runner
	c      claw.Claw
	ev     claw.Event
	run    claw.Run
	limits claw.Limits
	log    *slog.Logger

	seq        int                  // last step number used
	tokens     int                  // tokens used by the run so far
	transcript []claw.Message       // the session, including this run's messages
	started    map[string]claw.Step // tool steps started but not finished, by call id
	preStarted *claw.Step           // a model step recorded as started with the run
	unflushed  *pendingStep         // the last step, recorded with the run's end
	workspace  string               // the claw's workspace, once made
	ctl        claw.RunControl      // the supervisor's control of the run, or nil
	window     *window              // what the model sees besides recent turns
}

// pendingStep is a finished step whose record waits for the run's end, so
// that both are written in one transaction.
type pendingStep struct {
	step claw.Step
	msgs []claw.Message
}

func (l *loop) store(err error) error { return &storeError{err: err} }

func (l *loop) do(ctx context.Context) (string, error) {
	if err := l.resume(ctx); err != nil {
		return "", err
	}
	provider, model, err := l.r.Models.Resolve(l.c.Spec.Model)
	if err != nil {
		return "", l.failEarly(fmt.Errorf("model %q: %w", l.c.Spec.Model, err))
	}
	// A workspace the node does not allow fails the run before anything
	// (skills, MCP servers, context files, tools) touches it.
	if _, err := l.workspaceDir(); err != nil {
		return "", l.failEarly(err)
	}
	tools, err := l.r.Tools.Tools(ctx, l.c)
	if err != nil {
		return "", l.failEarly(err)
	}
	byName := make(map[string]tool.Tool, len(tools))
	defs := make([]llm.ToolDef, 0, len(tools))
	for _, t := range tools {
		byName[t.Name()] = t
		defs = append(defs, llm.ToolDef{Name: t.Name(), Description: t.Description(), Parameters: t.Schema()})
	}
	if err := l.prepare(ctx, byName, defs, model); err != nil {
		if _, stored := err.(*storeError); stored {
			return "", err
		}
		return "", l.failEarly(err)
	}
	for {
		if err := l.boundary(); err != nil {
			return "", err
		}
		last, pending := l.tail()
		if last != nil && last.Role == claw.RoleAssistant && len(pending) == 0 && len(last.ToolCalls) == 0 {
			return last.Content, nil
		}
		if len(pending) > 0 {
			if err := l.callTool(ctx, pending[0], byName); err != nil {
				return "", err
			}
			continue
		}
		if err := l.callModel(ctx, provider, model, defs, byName); err != nil {
			return "", err
		}
	}
}

// failEarly ends the run before its first model call: the model step that
// ClaimRun recorded as started is recorded as failed with the run.
func (l *loop) failEarly(err error) error {
	if l.preStarted != nil {
		step := *l.preStarted
		step.Status, step.Error = claw.StepFailed, err.Error()
		l.unflushed, l.preStarted = &pendingStep{step: step}, nil
	}
	return err
}

// resume loads the run's recorded state and settles steps a crash left
// unfinished: a model call is simply repeated; a tool call is re-run only
// when its tool is idempotent.
func (l *loop) resume(ctx context.Context) error {
	l.tokens = l.run.InputTokens + l.run.OutputTokens
	sum, msgs, err := l.r.Store.SessionContext(ctx, claw.Ref{Tenant: l.c.Tenant, Name: l.c.Name}, l.ev.Session)
	if err != nil {
		return l.store(err)
	}
	if !slices.ContainsFunc(msgs, func(m claw.Message) bool { return m.EventID == l.ev.ID }) {
		// The session was reset while this event ran: it keeps its own
		// messages.
		all, err := l.r.Store.SessionMessages(ctx, claw.Ref{Tenant: l.c.Tenant, Name: l.c.Name}, l.ev.Session, 0)
		if err != nil {
			return l.store(err)
		}
		msgs = slices.DeleteFunc(all, func(m claw.Message) bool { return m.EventID != l.ev.ID })
	}
	l.transcript, l.window = msgs, &window{summary: sum}
	if l.run.Steps == 0 {
		return nil
	}
	if l.run.Attempts == 1 && l.run.Steps == 1 {
		// A fresh run from ClaimRun: step 1 is its first model call,
		// recorded as started in the same transaction.
		l.seq = 1
		l.preStarted = &claw.Step{RunID: l.run.ID, Seq: 1, Kind: claw.StepModel, Name: l.c.Spec.Model}
		return nil
	}
	steps, err := l.r.Store.RunSteps(ctx, l.c.Tenant, l.run.ID)
	if err != nil {
		return l.store(err)
	}
	l.seq = len(steps)
	for _, s := range steps {
		if s.Status != claw.StepStarted {
			continue
		}
		l.log.Info("resuming interrupted step", "step", s.Seq, "kind", s.Kind, "name", s.Name)
		if s.Kind == claw.StepTool {
			if l.started == nil {
				l.started = map[string]claw.Step{}
			}
			l.started[s.ToolCallID] = s
			continue
		}
		s.Status, s.Error = claw.StepFailed, "interrupted by a node restart; the call is repeated"
		if err := l.r.Store.FinishStep(ctx, l.c.Tenant, s, nil); err != nil {
			return l.store(err)
		}
	}
	return l.settleOrphans(ctx)
}

// settleOrphans records as failed the started tool steps whose call is
// not awaiting a result in the transcript: calls of a memory flush, whose
// messages are not kept.
func (l *loop) settleOrphans(ctx context.Context) error {
	_, pending := l.tail()
	for id, s := range l.started {
		if slices.ContainsFunc(pending, func(c claw.ToolCall) bool { return c.ID == id }) {
			continue
		}
		s.Status, s.Error = claw.StepFailed, "interrupted by a node restart"
		if err := l.r.Store.FinishStep(ctx, l.c.Tenant, s, nil); err != nil {
			return l.store(err)
		}
		delete(l.started, id)
	}
	return nil
}

// tail returns this event's last message and the tool calls it asked for
// that have no result yet.
func (l *loop) tail() (*claw.Message, []claw.ToolCall) {
	var last *claw.Message
	var calls []claw.ToolCall
	answered := map[string]bool{}
	for i := range l.transcript {
		m := &l.transcript[i]
		if m.EventID != l.ev.ID {
			continue
		}
		last = m
		switch m.Role {
		case claw.RoleAssistant:
			calls = m.ToolCalls
			clear(answered)
		case claw.RoleTool:
			answered[m.ToolCallID] = true
		}
	}
	if last == nil || len(calls) == 0 {
		return last, nil
	}
	var pending []claw.ToolCall
	for _, c := range calls {
		if !answered[c.ID] {
			pending = append(pending, c)
		}
	}
	return last, pending
}

func (l *loop) nextStep(kind claw.StepKind, name, callID string) (claw.Step, error) {
	if l.seq >= l.limits.MaxSteps {
		return claw.Step{}, fmt.Errorf("step limit reached (max_steps %d)", l.limits.MaxSteps)
	}
	l.seq++
	return claw.Step{RunID: l.run.ID, Seq: l.seq, Kind: kind, Name: name, ToolCallID: callID}, nil
}

func (l *loop) callModel(ctx context.Context, p llm.Provider, model string, defs []llm.ToolDef, byName map[string]tool.Tool) error {
	if l.tokens >= l.limits.MaxTokens {
		return fmt.Errorf("token limit reached (max_tokens %d, used %d)", l.limits.MaxTokens, l.tokens)
	}
	msgs, err := l.messages(ctx, p, model, byName)
	if err != nil {
		if _, stored := err.(*storeError); stored {
			return err
		}
		return l.failEarly(err)
	}
	step := l.preStarted
	l.preStarted = nil
	if step == nil {
		s, err := l.nextStep(claw.StepModel, l.c.Spec.Model, "")
		if err != nil {
			return err
		}
		if err := l.r.Store.StartStep(ctx, l.c.Tenant, s); err != nil {
			return l.store(err)
		}
		step = &s
	}
	req := llm.Request{Model: model, System: l.window.system(), Messages: msgs, Tools: defs}
	if l.r.OnText != nil {
		req.OnText = l.r.OnText(l.ev, step.Seq)
	}
	resp, callErr := p.Complete(ctx, req)
	if callErr != nil {
		step.Status, step.Error = claw.StepFailed, callErr.Error()
		l.unflushed = &pendingStep{step: *step}
		return fmt.Errorf("model call: %w", callErr)
	}
	msg := fromLLM(resp.Message, l.ev)
	step.Status, step.InputTokens, step.OutputTokens = claw.StepFinished, resp.Usage.InputTokens, resp.Usage.OutputTokens
	l.tokens += resp.Usage.InputTokens + resp.Usage.OutputTokens
	l.transcript = append(l.transcript, msg)
	if len(msg.ToolCalls) == 0 {
		// The final answer: recorded with the run's end.
		l.unflushed = &pendingStep{step: *step, msgs: []claw.Message{msg}}
		return nil
	}
	if err := l.r.Store.FinishStep(ctx, l.c.Tenant, *step, []claw.Message{msg}); err != nil {
		return l.store(err)
	}
	return nil
}

func (l *loop) callTool(ctx context.Context, call claw.ToolCall, tools map[string]tool.Tool) error {
	t, known := tools[call.Name]
	step, resumed := l.started[call.ID]
	result, failed := "", ""
	denied, err := l.approval(ctx, call, known && !resumed)
	if err != nil {
		return err
	}
	switch {
	case denied != "":
		if step, err = l.nextStep(claw.StepTool, call.Name, call.ID); err != nil {
			return err
		}
		if err := l.r.Store.StartStep(ctx, l.c.Tenant, step); err != nil {
			return l.store(err)
		}
		result, failed = "error: "+denied, denied
	case resumed && !(known && t.Idempotent()):
		result, failed = interruptedResult, "interrupted by a node restart"
	default:
		if !resumed {
			var err error
			if step, err = l.nextStep(claw.StepTool, call.Name, call.ID); err != nil {
				return err
			}
			if err := l.r.Store.StartStep(ctx, l.c.Tenant, step); err != nil {
				return l.store(err)
			}
		}
		result, failed = l.execute(ctx, t, known, call)
	}
	delete(l.started, call.ID)
	step.Status = claw.StepFinished
	if failed != "" {
		step.Status, step.Error = claw.StepFailed, failed
	}
	msg := claw.Message{Session: l.ev.Session, EventID: l.ev.ID, Role: claw.RoleTool, Content: result, ToolCallID: call.ID}
	if err := l.r.Store.FinishStep(ctx, l.c.Tenant, step, []claw.Message{msg}); err != nil {
		return l.store(err)
	}
	l.transcript = append(l.transcript, msg)
	if l.r.OnTool != nil {
		l.r.OnTool(l.ev, call, failed)
	}
	return nil
}

// execute calls a tool; its error becomes the result the model sees.
func (l *loop) execute(ctx context.Context, t tool.Tool, known bool, call claw.ToolCall) (result, failed string) {
	if !known {
		msg := fmt.Sprintf("error: unknown tool %q", call.Name)
		return msg, msg
	}
	args := call.Arguments
	if len(args) == 0 || !json.Valid(args) {
		msg := fmt.Sprintf("error: arguments of %s are not valid JSON", call.Name)
		return msg, msg
	}
	env, err := l.env()
	if err != nil {
		return "error: " + err.Error(), err.Error()
	}
	env.CallID = call.ID
	timeout := l.c.Spec.TimeoutFor(call.Name)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := t.Call(tctx, env, args)
	if err != nil && tctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = fmt.Errorf("%s timed out after %s (tool_timeout): %w", call.Name, timeout, err)
	}
	if err != nil {
		return "error: " + err.Error(), err.Error()
	}
	return out, ""
}

// env is the environment of the run's tool calls; the workspace directory
// is made on first use.
func (l *loop) env() (tool.Env, error) {
	env := tool.Env{Claw: l.c, Event: l.ev, RunID: l.run.ID, Workspace: l.workspace}
	if l.ctl != nil {
		env.Lend = l.ctl.Lend
	}
	if env.Workspace == "" {
		dir, err := l.workspaceDir()
		if err != nil || dir == "" {
			return env, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return env, fmt.Errorf("workspace: %w", err)
		}
		l.workspace, env.Workspace = dir, dir
	}
	return env, nil
}

// workspaceDir is the claw's workspace directory; "" when the runner
// keeps none.
func (l *loop) workspaceDir() (string, error) {
	if l.r.Workspace == nil {
		return "", nil
	}
	return l.r.Workspace(l.c)
}

// unansweredResult stands in for the result of a tool call that a failed
// run never made, since providers reject a call without a result.
const unansweredResult = "error: no result: the run ended before this tool call was made"

// toLLM converts a transcript for a model request. Every tool call is
// followed by its result, even when a failed run left it unanswered.
func toLLM(msgs []claw.Message) []llm.Message {
	out := make([]llm.Message, 0, len(msgs))
	var open []string // tool call ids awaiting a result
	flush := func() {
		for _, id := range open {
			out = append(out, llm.Message{Role: llm.RoleTool, Content: unansweredResult, ToolCallID: id})
		}
		open = open[:0]
	}
	for _, m := range msgs {
		if m.Role == claw.RoleTool {
			if i := slices.Index(open, m.ToolCallID); i >= 0 {
				open = slices.Delete(open, i, i+1)
			} else {
				continue // a result without its call cannot be sent
			}
		} else {
			flush()
		}
		lm := llm.Message{Role: llm.Role(m.Role), Content: m.Content, ToolCallID: m.ToolCallID}
		for _, c := range m.ToolCalls {
			lm.ToolCalls = append(lm.ToolCalls, llm.ToolCall{ID: c.ID, Name: c.Name, Arguments: c.Arguments})
			open = append(open, c.ID)
		}
		out = append(out, lm)
	}
	flush()
	return out
}

// fromLLM converts a model's answer for the transcript. Tool arguments
// that are not valid JSON are kept as a JSON string, which the tool then
// rejects with an error the model sees.
func fromLLM(m llm.Message, ev claw.Event) claw.Message {
	out := claw.Message{Session: ev.Session, EventID: ev.ID, Role: claw.RoleAssistant, Content: m.Content}
	for _, c := range m.ToolCalls {
		args := c.Arguments
		if !json.Valid(args) {
			args, _ = json.Marshal(string(args))
		}
		out.ToolCalls = append(out.ToolCalls, claw.ToolCall{ID: c.ID, Name: c.Name, Arguments: args})
	}
	return out
}
