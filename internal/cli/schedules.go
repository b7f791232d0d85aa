package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// schedules lists a claw's schedules, or shows one with its recent fires.
func schedules(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "schedules")
	jsonFlag := f.Bool("json", false, "print JSON (the same as --output json)")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, -1)
	if err != nil {
		return err
	}
	asJSON, err := out.json()
	if err != nil {
		return err
	}
	jsonOut := *jsonFlag || asJSON
	switch len(pos) {
	case 1:
		list, err := c.Schedules(ctx, pos[0])
		if err != nil {
			return err
		}
		if jsonOut {
			return printJSON(env.Stdout, list)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tORIGIN\tWHEN\tNEXT FIRES\tFIRES\tLAST\tLAST STATUS\tLAST ERROR")
		for _, s := range list {
			next := make([]string, 0, len(s.Next))
			for _, t := range s.Next {
				next = append(next, fmtTime(t))
			}
			nexts := strings.Join(next, ", ")
			switch {
			case s.Paused:
				nexts = "paused"
			case nexts == "":
				nexts = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.Origin, oneLine(s.Timing, 40), nexts, s.Fires,
				fmtTime(s.LastFire), orDash(s.LastStatus), oneLine(s.LastError, 60))
		}
		return w.Flush()
	case 2:
		s, err := c.Schedule(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		if jsonOut {
			return printJSON(env.Stdout, s)
		}
		fmt.Fprintf(env.Stdout, "%s (%s, %s)\nprompt: %s\n", s.Name, s.Origin, s.Timing, oneLine(s.Def.Prompt, 100))
		if s.Paused {
			fmt.Fprintln(env.Stdout, "paused")
		}
		for _, t := range s.Next {
			fmt.Fprintf(env.Stdout, "next: %s\n", fmtTime(t))
		}
		fmt.Fprintf(env.Stdout, "fired %d times, skipped %d\n\n", s.Fires, s.Skipped)
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "EVENT\tFIRE TIME\tATTEMPT\tSTATUS\tRETRY AT\tERROR")
		for _, r := range s.Recent {
			fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\n", r.EventID, fmtTime(r.FireAt), r.Attempt, r.Status, fmtTime(r.RetryAt), oneLine(r.Error, 60))
		}
		return w.Flush()
	}
	return errUsage
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// trigger fires a schedule now.
func trigger(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "trigger")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 2)
	if err != nil {
		return err
	}
	res, err := c.Trigger(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schedule %s of claw/%s fired: event %d\n", pos[1], pos[0], res.EventID)
	return nil
}

func pauseSchedule(ctx context.Context, env Env, args []string) error {
	return setSchedulePaused(ctx, env, "pause-schedule", args, true)
}

func resumeSchedule(ctx context.Context, env Env, args []string) error {
	return setSchedulePaused(ctx, env, "resume-schedule", args, false)
}

func setSchedulePaused(ctx context.Context, env Env, verb string, args []string, paused bool) error {
	f := newFlags(env, verb)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 2)
	if err != nil {
		return err
	}
	s, err := c.SetSchedulePaused(ctx, pos[0], pos[1], paused)
	if err != nil {
		return err
	}
	if paused {
		fmt.Fprintf(env.Stdout, "schedule %s of claw/%s paused\n", s.Name, pos[0])
		return nil
	}
	next := "-"
	if len(s.Next) > 0 {
		next = fmtTime(s.Next[0])
	}
	fmt.Fprintf(env.Stdout, "schedule %s of claw/%s resumed; next fire %s\n", s.Name, pos[0], next)
	return nil
}

func cancelSchedule(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "cancel-schedule")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 2)
	if err != nil {
		return err
	}
	if err := c.CancelSchedule(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schedule %s of claw/%s cancelled\n", pos[1], pos[0])
	return nil
}
