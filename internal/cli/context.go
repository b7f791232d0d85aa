package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/openclaw"
	"github.com/reefhq/reef/internal/spec"
)

func sessions(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "sessions")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	list, err := c.Sessions(ctx, pos[0])
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, list)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SESSION\tMESSAGES\tSUMMARIES\tLAST ACTIVE")
	for _, s := range list {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\n", s.Session, s.Messages, s.Summaries, s.UpdatedAt.Local().Format(time.DateTime))
	}
	return w.Flush()
}

// session is `reef session show|reset NAME SESSION`.
func session(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "reset") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stdout, "usage: reef session show NAME SESSION [--limit N]\n       reef session reset NAME SESSION")
			return nil
		}
		return errUsage
	}
	verb := args[0]
	f := newFlags(env, "session "+verb)
	limit := 0
	var out output
	if verb == "show" {
		f.IntVar(&limit, "limit", 0, "show only the newest N messages")
		out = addOutputFlag(f)
	}
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args[1:], 2)
	if err != nil {
		return err
	}
	if verb == "reset" {
		sum, err := c.ResetSession(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "session %s of claw/%s reset: the next run starts a fresh context (transcript kept, through message %d)\n", pos[1], pos[0], sum.Through)
		return nil
	}
	v, err := c.Session(ctx, pos[0], pos[1], limit)
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, v)
	}
	fmt.Fprintf(env.Stdout, "session %s of claw/%s: %d messages shown, %d summaries; the context starts after message %d\n",
		v.Session, pos[0], len(v.Messages), len(v.Summaries), v.ContextFrom)
	sums := v.Summaries
	printSummary := func(s claw.Summary) {
		if s.Reset {
			fmt.Fprintf(env.Stdout, "\n--- reset at %s (context starts after #%d) ---\n", s.CreatedAt.Local().Format(time.DateTime), s.Through)
			return
		}
		fmt.Fprintf(env.Stdout, "\n--- summary of messages up to #%d (run %d) ---\n%s\n---\n", s.Through, s.RunID, s.Text)
	}
	for _, m := range v.Messages {
		for len(sums) > 0 && sums[0].Through < m.Seq {
			printSummary(sums[0])
			sums = sums[1:]
		}
		fmt.Fprintf(env.Stdout, "\n#%d %s", m.Seq, m.Role)
		if m.ToolCallID != "" {
			fmt.Fprintf(env.Stdout, " (%s)", m.ToolCallID)
		}
		fmt.Fprintf(env.Stdout, ": %s\n", m.Content)
		for _, tc := range m.ToolCalls {
			fmt.Fprintf(env.Stdout, "  -> %s %s (%s)\n", tc.Name, tc.Arguments, tc.ID)
		}
	}
	for _, s := range sums {
		printSummary(s)
	}
	return nil
}

// importCmd is `reef import openclaw DIR`.
func importCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "openclaw" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stdout, "usage: reef import openclaw DIR [--name N] [--model M] [--config FILE]")
			return nil
		}
		return errUsage
	}
	f := newFlags(env, "import openclaw")
	name := f.String("name", "", "the claw's name (default: the agent's id, else the directory's name)")
	model := f.String("model", "", "provider/model (default: the agent's model in openclaw.json)")
	config := f.String("config", "", "openclaw.json to read (default: DIR/openclaw.json, else DIR/../openclaw.json)")
	cf := addClientFlags(f, env)
	pos, err := f.parse(args[1:], 1)
	if err != nil {
		return err
	}
	imp, err := openclaw.Read(openclaw.Options{Dir: pos[0], Config: *config, Name: *name, Model: *model})
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	if err := spec.Validate(imp.Spec); err != nil {
		return fmt.Errorf("import %s: the claw's spec is invalid (use --name or --model):\n%s", pos[0], indent(claw.ErrorMessage(err)))
	}
	c, err := cf.client(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(imp.Spec)
	if err != nil {
		return err
	}
	res, err := c.Apply(ctx, body)
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	for _, rel := range imp.Files {
		data, err := os.ReadFile(filepath.Join(pos[0], filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("import %s: %w", rel, err)
		}
		if err := c.PutWorkspaceFile(ctx, imp.Spec.Name, rel, data); err != nil {
			return fmt.Errorf("import %s: copy %s: %w", pos[0], rel, err)
		}
	}
	fmt.Fprintf(env.Stdout, "claw/%s %s (v%d, model %s)\n", imp.Spec.Name, res.Result, res.Version, imp.Spec.Model)
	if imp.Config != "" {
		agent := imp.Agent
		if agent == "" {
			agent = "no matching agent entry"
		}
		fmt.Fprintf(env.Stdout, "config: %s (%s)\n", imp.Config, agent)
	}
	fmt.Fprintf(env.Stdout, "copied %d files into its workspace\n", len(imp.Files))
	if len(imp.Unmapped) > 0 {
		fmt.Fprintln(env.Stdout, "unmapped:")
		for _, u := range imp.Unmapped {
			fmt.Fprintf(env.Stdout, "  %s\n", u)
		}
	}
	return nil
}
