package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/reefhq/reef/internal/sandbox"
)

// doctor prints the node's sandbox layers, each active or missing, and
// the claws whose workspace the node does not allow; it fails (exit 1)
// when the helper cannot start or such a claw exists.
func doctor(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "doctor")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	_, c, err := cf.connect(ctx, f, args, 0)
	if err != nil {
		return err
	}
	d, err := c.Doctor(ctx)
	if err != nil {
		return fmt.Errorf("cannot ask the node at %s: %w", *cf.server, err)
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, d)
	}
	fmt.Fprintf(env.Stdout, "Sandbox layers of tools on the node at %s:\n\n", *cf.server)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, l := range d.Layers {
		state := "active"
		if !l.Active {
			state = "MISSING"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Name, state, l.Detail)
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%s\n", d.Summary)
	if len(d.Workspaces) > 0 {
		fmt.Fprintf(env.Stdout, "\nClaws whose workspace is not allowed (their runs fail until their spec changes):\n\n")
		for _, p := range d.Workspaces {
			fmt.Fprintf(env.Stdout, "  %s/%s\t%s\n", p.Tenant, p.Claw, p.Reason)
		}
	}
	if d.Error != "" {
		fmt.Fprintf(env.Stdout, "error: %s\n", d.Error)
	}
	if d.Error != "" || len(d.Workspaces) > 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

// sandboxExec is `reef sandbox-exec`, the sandbox helper the node
// re-executes for every process a tool starts (internal: it reads its
// instructions from descriptors the node passes).
func sandboxExec(_ context.Context, env Env, args []string) error {
	if code := sandbox.Main(args, env.Stderr); code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}
