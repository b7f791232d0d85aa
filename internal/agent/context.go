package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/workspace"
)

// Context assembly (docs/context.md). A model request is, in order: the
// system prompt (the spec's instructions, the workspace files, the skills'
// names and descriptions, memory snippets relevant to the event, the
// summary of older turns), the recent turns of the session, and the tool
// schemas; the whole fits the claw's budget by the estimate of budget.go.

// Memory tool names the loop knows: a claw with one of them gets memory
// snippets in its context and a memory flush before compaction.
const (
	memoryWriteTool  = "memory_write"
	memorySearchTool = "memory_search"
	skillTool        = "skill"
)

// Bounds of the memory snippets section.
const (
	maxSnippets     = 3
	maxSnippetBytes = 400
)

// window is the context of one run: what goes before the recent turns.
type window struct {
	budget  int
	base    string // instructions, workspace files, skills
	memory  string // memory snippets section
	summary claw.Summary
	tools   int // tokens of the tool schemas
	flushed bool
}

// system is the system prompt of a model request.
func (w *window) system() string {
	parts := []string{w.base, w.memory}
	if w.summary.Text != "" {
		parts = append(parts, "# Summary of the earlier conversation\n\n"+w.summary.Text)
	}
	return joinSections(parts...)
}

func joinSections(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

// fixed is the tokens of a request without its messages.
func (w *window) fixed() int {
	return requestOverhead + messageOverhead + tokens(w.system()) + w.tools
}

// used is the tokens of a request with msgs.
func (w *window) used(msgs []llm.Message) int {
	n := w.fixed()
	for _, m := range msgs {
		n += messageTokens(m)
	}
	return n
}

// prepare builds the run's context window: budget, workspace files,
// skills and memory snippets.
func (l *loop) prepare(ctx context.Context, byName map[string]tool.Tool, defs []llm.ToolDef, model string) error {
	w := &window{budget: contextBudget(l.c.Spec, model), tools: toolTokens(defs), summary: l.window.summary}
	l.window = w
	dir, err := l.workspaceDir()
	if err != nil {
		return err
	}
	files, refused, err := workspace.Load(dir)
	if err != nil {
		l.log.Warn("workspace files not loaded", "err", err)
	}
	for _, p := range refused {
		l.log.Warn("workspace file left out", "err", p)
	}
	var skills []workspace.Skill
	if _, ok := byName[skillTool]; ok {
		var problems []error
		if skills, problems, err = workspace.Skills(dir, l.c.Spec.Skills); err != nil {
			l.log.Warn("skills not loaded", "err", err)
		}
		for _, p := range problems {
			l.log.Warn("skill left out", "err", p)
		}
	}
	// Workspace files get at most half of what the instructions and the
	// tool schemas leave; beyond that each is cut to an equal share.
	room := (w.budget-requestOverhead-messageOverhead-w.tools-tokens(l.c.Spec.Instructions)-tokens(skillSection(skills)))/2 - 64
	if n := len(files); n > 0 && tokens(fileSection(files, refused)) > room {
		share := max(room*bytesPerToken/n-64, 0)
		for i := range files {
			files[i].Content = workspace.Cut(files[i].Content, share, files[i].Name)
		}
	}
	w.base = joinSections(l.c.Spec.Instructions, fileSection(files, refused), skillSection(skills))
	if w.fixed() > w.budget {
		return fmt.Errorf("context_tokens %d is too small for the instructions and tool schemas (about %d tokens)", w.budget, w.fixed())
	}
	_, write := byName[memoryWriteTool]
	_, search := byName[memorySearchTool]
	if write || search {
		if err := workspace.SyncMemory(ctx, l.r.Store, claw.Ref{Tenant: l.c.Tenant, Name: l.c.Name}, dir); err != nil {
			return l.store(fmt.Errorf("index memory files: %w", err))
		}
		w.memory = l.snippets(ctx, (w.budget-w.fixed())/10)
	}
	return nil
}

// snippets searches the claw's memory for the event's text and returns
// the best matches as a section of at most limit tokens.
func (l *loop) snippets(ctx context.Context, limit int) string {
	if strings.TrimSpace(l.ev.Text) == "" || limit < 32 {
		return ""
	}
	found, err := l.r.Store.SearchMemory(ctx, claw.Ref{Tenant: l.c.Tenant, Name: l.c.Name}, l.ev.Text, maxSnippets)
	if err != nil {
		if claw.ErrorCode(err) != claw.EINVALID {
			l.log.Warn("memory search failed", "err", err)
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("# Relevant memories\n\nFrom your long-term memory (memory_search finds more, memory_get reads one):\n")
	n := 0
	for _, m := range found {
		line := fmt.Sprintf("- [%d] %s\n", m.ID, workspace.Cut(strings.Join(strings.Fields(m.Text), " "), maxSnippetBytes, fmt.Sprintf("memory %d", m.ID)))
		if tokens(b.String()+line) > limit {
			break
		}
		b.WriteString(line)
		n++
	}
	if n == 0 {
		return ""
	}
	return b.String()
}

// fileSection presents the workspace files, and says which ones the
// node refused to read (a link out of the workspace, a FIFO, ...), so
// the claw can fix them.
func fileSection(files []workspace.File, refused []error) string {
	if len(files) == 0 && len(refused) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("# Workspace files\n\nThese files of your workspace describe who you are, how you work and what you know.\n")
	for _, f := range files {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", f.Name, f.Content)
	}
	if len(refused) > 0 {
		b.WriteString("\nNot loaded (the node reads only regular files inside the workspace; replace these with regular files):\n")
		for _, e := range refused {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	return b.String()
}

func skillSection(skills []workspace.Skill) string {
	if len(skills) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("# Skills\n\nLoad a skill with the skill tool before you follow it:\n")
	for _, s := range skills {
		fmt.Fprintf(&b, "- %s: %s\n", s.Name, strings.Join(strings.Fields(s.Description), " "))
	}
	return b.String()
}

// turnStart is the index in the transcript of the current event's first
// message.
func (l *loop) turnStart() int {
	for i, m := range l.transcript {
		if m.EventID == l.ev.ID {
			return i
		}
	}
	return len(l.transcript)
}

// messages returns the recent turns of the next model request, compacting
// the session first when it outgrew the budget, and shrinking the current
// turn when it alone does not fit.
func (l *loop) messages(ctx context.Context, p llm.Provider, model string, byName map[string]tool.Tool) ([]llm.Message, error) {
	msgs := toLLM(l.transcript)
	if l.window.used(msgs) <= l.window.budget {
		return msgs, nil
	}
	if err := l.compact(ctx, p, model, byName); err != nil {
		return nil, err
	}
	msgs = toLLM(l.transcript)
	return shrink(msgs, l.window.budget-l.window.fixed()), nil
}

// Marks left where shrink cut a message.
const (
	cutResult   = "[tool result of %d bytes cut to fit the context budget]"
	cutEarlier  = "[earlier messages of this turn were left out to fit the context budget]"
	cutContent  = "\n[... cut to fit the context budget ...]"
	cutArgument = `{"note":"arguments cut to fit the context budget"}`
)

// shrink makes msgs fit room tokens, in steps that lose the least first:
// older tool results are cut to a mark, then every message is cut to an
// equal share, then the oldest messages are left out with the results of
// their tool calls. A tool call is never separated from its result.
func shrink(msgs []llm.Message, room int) []llm.Message {
	size := func() int {
		n := 0
		for _, m := range msgs {
			n += messageTokens(m)
		}
		return n
	}
	if size() <= room {
		return msgs
	}
	msgs = append([]llm.Message(nil), msgs...)
	for i := 0; i < len(msgs)-1 && size() > room; i++ {
		if msgs[i].Role == llm.RoleTool && len(msgs[i].Content) > 128 {
			msgs[i].Content = fmt.Sprintf(cutResult, len(msgs[i].Content))
		}
	}
	for dropped := false; size() > room; dropped = true {
		// Leave out the oldest message (after the mark) and the results of
		// its calls; the last message stays.
		j := 1
		if dropped {
			j = 2
		}
		for j < len(msgs) && msgs[j].Role == llm.RoleTool {
			j++
		}
		if j >= len(msgs) {
			break
		}
		msgs = append([]llm.Message{{Role: llm.RoleUser, Content: cutEarlier}}, msgs[j:]...)
	}
	if size() > room {
		share := max((room/len(msgs)-2*messageOverhead)*bytesPerToken, 0)
		for i := range msgs {
			m := &msgs[i]
			if len(m.Content) > share {
				m.Content = workspace.Cut(m.Content, share, "this message")
				if len(m.Content) > share {
					m.Content = m.Content[:0]
				}
			}
			for k := range m.ToolCalls {
				if len(m.ToolCalls[k].Arguments) > share {
					m.ToolCalls[k].Arguments = []byte(cutArgument)
				}
			}
		}
	}
	return msgs
}
