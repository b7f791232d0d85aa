package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
)

// control runs pause, resume or restart.
func control(verb, done string, do func(*client.Client, context.Context, string) (claw.Claw, error)) func(context.Context, Env, []string) error {
	return func(ctx context.Context, env Env, args []string) error {
		f := newFlags(env, verb)
		cf := addClientFlags(f, env)
		pos, c, err := cf.connect(ctx, f, args, 1)
		if err != nil {
			return err
		}
		cl, err := do(c, ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "claw/%s %s: now %s\n", cl.Name, done, cl.State)
		return nil
	}
}

var (
	pause   = control("pause", "paused", (*client.Client).Pause)
	resume  = control("resume", "resumed", (*client.Client).Resume)
	restart = control("restart", "restarted", (*client.Client).Restart)
)

func audit(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "audit")
	limit := f.Int("limit", 50, "how many recent records")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, -1)
	if err != nil {
		return err
	}
	name, err := optionalName(pos)
	if err != nil {
		return err
	}
	recs, err := c.Audit(ctx, name, *limit)
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, recs)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TIME\tCLAW\tACTOR\tACTION\tDETAIL")
	for _, r := range recs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format(time.DateTime), r.Claw, r.Actor, r.Action, oneLine(r.Detail, 80))
	}
	return w.Flush()
}

func approvals(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "approvals")
	all := f.Bool("all", false, "include decided approvals")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, -1)
	if err != nil {
		return err
	}
	name, err := optionalName(pos)
	if err != nil {
		return err
	}
	as, err := c.Approvals(ctx, name, *all)
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, as)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tCLAW\tTOOL\tSTATUS\tEXPIRES\tARGUMENTS")
	for _, a := range as {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", a.RunID, a.Claw, a.Tool, a.Status, a.ExpiresAt.Local().Format(time.DateTime), oneLine(string(a.Arguments), 80))
	}
	return w.Flush()
}

func decideVerb(approve bool) func(context.Context, Env, []string) error {
	name := "deny"
	if approve {
		name = "approve"
	}
	return func(ctx context.Context, env Env, args []string) error {
		f := newFlags(env, name)
		var reason *string
		if !approve {
			reason = f.String("reason", "", "why, given to the model with the denial")
		}
		cf := addClientFlags(f, env)
		pos, c, err := cf.connect(ctx, f, args, 1)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("RUN must be a run id (see 'reef approvals'), got %q", pos[0])
		}
		why := ""
		if reason != nil {
			why = *reason
		}
		a, err := c.Decide(ctx, id, approve, why)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "run %d: %s call %s %s\n", a.RunID, a.Tool, a.ToolCallID, a.Status)
		return nil
	}
}

// optionalName is the claw a verb with an optional NAME argument names,
// or "" for all of them.
func optionalName(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", nil
	case 1:
		return pos[0], nil
	}
	return "", errUsage
}
