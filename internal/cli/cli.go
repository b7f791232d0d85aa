// Package cli is the reef command line: `reef serve` runs a node, and the
// client verbs talk to a node over its HTTP API (internal/client). The
// command table in this file is the one list of commands; `reef help`
// prints it, and README.md documents each one.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/node"
)

// Env is what a command may touch of its process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// ExitError carries a process exit code.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// errUsage marks a command-line mistake (exit code 2).
var errUsage = errors.New("usage")

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "run a node", serve},
		{"apply", "-f FILE", "create or update a claw from a YAML or JSON spec", apply},
		{"claws", "", "list claws with their state", listClaws},
		{"get", "NAME [--spec]", "show a claw and its spec", get},
		{"delete", "NAME", "delete a claw with its mailbox, runs and sessions", del},
		{"send", "NAME TEXT|- [--file F] [--session S] [--wait]", "send a message to a claw (- reads it from standard input)", send},
		{"chat", "NAME [--session S]", "talk to a claw interactively", chat},
		{"runs", "NAME [--limit N] [--steps]", "list a claw's recent runs", runs},
		{"rollback", "NAME [--to N]", "re-apply an earlier version of a claw's spec", rollback},
		{"pause", "NAME", "pause a claw: its run stops at the next step boundary, events wait", pause},
		{"resume", "NAME", "resume a paused claw", resume},
		{"restart", "NAME", "clear a claw's crash history and run it again (out of crashloop)", restart},
		{"approvals", "[NAME] [--all]", "list tool calls waiting for approval", approvals},
		{"approve", "RUN", "approve the tool call a run waits on", decideVerb(true)},
		{"deny", "RUN [--reason R]", "deny the tool call a run waits on; the model reads the reason", decideVerb(false)},
		{"audit", "[NAME] [--limit N]", "list supervision transitions and operator actions", audit},
		{"sessions", "NAME", "list a claw's sessions", sessions},
		{"session", "show|reset NAME SESSION", "show a session's transcript and summaries, or start it afresh", session},
		{"import", "openclaw DIR [--name N] [--model M]", "turn an OpenClaw workspace into a claw", importCmd},
		{"version", "", "print the client's and the node's versions", version},
		{"completion", "bash|zsh|fish", "print a shell completion script (bash: source <(reef completion bash))", completion},
		{"schedules", "NAME [SCHEDULE] [--json]", "list a claw's schedules (next fires, last result), or one with its recent fires", schedules},
		{"trigger", "NAME SCHEDULE", "fire a schedule now", trigger},
		{"pause-schedule", "NAME SCHEDULE", "pause a schedule", pauseSchedule},
		{"resume-schedule", "NAME SCHEDULE", "resume a paused schedule", resumeSchedule},
		{"cancel-schedule", "NAME SCHEDULE", "remove a schedule the claw made itself", cancelSchedule},
		{"tenants", "create|list|get|set|delete NAME [--max-claws N --max-runs N --rate N/s --max-memory 2Gi --max-storage 1Gi]", "manage tenants and their quotas (admin token)", tenants},
		{"tokens", "create --role R [--claws a,b] [--ttl 720h] [--name N] | list [--all] | revoke ID", "manage API tokens and their roles (--tenant T picks the tenant)", tokens},
		{"doctor", "", "list the sandbox layers the node's tools get, active or missing", doctor},
		{"sandbox-exec", "", "(internal) the sandbox helper the node runs for tools", sandboxExec},
		{"bench", "[flags]", "measure events/s and latency through a whole node", runBench},
		{"fake-model", "[--addr A] [--script FILE]", "run the scripted model server (OpenAI and Anthropic wire protocols) for trying reef without an LLM: docs/fake-model.md", fakeModel},
	}
}

// Run runs the command line args (without the program name).
func Run(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if errors.Is(err, errUsage) {
				fmt.Fprintf(env.Stderr, "usage: reef %s %s\n", c.name, c.args)
				return &ExitError{Code: 2}
			}
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return withHint(err)
		}
	}
	fmt.Fprintf(env.Stderr, "reef: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return &ExitError{Code: 2}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "reef keeps claws (persistent AI agents) alive.\n\nUsage: reef COMMAND [ARGS]\n\nCommands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nClient commands reach the node at --server or $REEF_SERVER (default http://127.0.0.1:7420)\n"+
		"with the token in --token, $REEF_TOKEN, or DATA/admin.token (DATA: --data or $REEF_DATA, default ./reef-data).\n"+
		"Run 'reef COMMAND -h' for a command's flags.")
}

// flags is a FlagSet that accepts flags before, between and after
// positional arguments.
type flags struct {
	*flag.FlagSet
}

func newFlags(env Env, name string) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return flags{fs}
}

// parse parses args and returns the positional ones; want is the number
// of positional arguments required (-1: any). After "--" every argument is
// positional.
func (f flags) parse(args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := f.Args()
		if f.terminated(args[:len(args)-len(rest)]) {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if want >= 0 && len(pos) != want {
		return nil, errUsage
	}
	return pos, nil
}

// terminated reports whether the arguments one Parse consumed (flags and
// their values) end with the "--" terminator rather than a flag's value "--".
func (f flags) terminated(consumed []string) bool {
	for i := 0; i < len(consumed); i++ {
		if consumed[i] == "--" {
			return true
		}
		name, _, inline := strings.Cut(strings.TrimLeft(consumed[i], "-"), "=")
		if fl := f.Lookup(name); !inline && fl != nil && !isBool(fl) {
			i++ // the next argument is this flag's value
		}
	}
	return false
}

func isBool(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// clientFlags adds --server, --token, --data and --wait-ready to a
// command.
type clientFlags struct {
	server, token, data, tenant *string
	waitReady                   *time.Duration
}

func addClientFlags(f flags, env Env) clientFlags {
	def := func(k, d string) string {
		if v := env.Getenv(k); v != "" {
			return v
		}
		return d
	}
	return clientFlags{
		server: f.String("server", def("REEF_SERVER", "http://127.0.0.1:7420"), "node URL ($REEF_SERVER)"),
		token:  f.String("token", env.Getenv("REEF_TOKEN"), "API token ($REEF_TOKEN; default: DATA/admin.token)"),
		data:   f.String("data", def("REEF_DATA", "reef-data"), "data directory holding admin.token ($REEF_DATA)"),
		tenant: f.String("tenant", env.Getenv("REEF_TENANT"), "the tenant an admin token acts on ($REEF_TENANT; default: default)"),
		waitReady: f.Duration("wait-ready", 10*time.Second,
			"wait this long for a node that is starting (not listening yet, or no admin.token yet); 0 fails at once"),
	}
}

// connect parses args, of which want are positional, and returns them
// with a client for the node.
func (c clientFlags) connect(ctx context.Context, f flags, args []string, want int) ([]string, *client.Client, error) {
	pos, err := f.parse(args, want)
	if err != nil {
		return nil, nil, err
	}
	cl, err := c.client(ctx)
	return pos, cl, err
}

// client returns a client for the node, with the token of --token,
// $REEF_TOKEN or DATA/admin.token; a token file not written yet (a node
// starting for the first time) is waited for up to --wait-ready.
func (c clientFlags) client(ctx context.Context) (*client.Client, error) {
	tok := *c.token
	if tok == "" {
		path := node.TokenFile(*c.data)
		b, err := waitFile(ctx, path, *c.waitReady)
		if err != nil {
			return nil, fmt.Errorf("no token: set $REEF_TOKEN or --token, or run where %s exists (a node writes it on its first start: `reef serve --data %s`): %w", path, *c.data, err)
		}
		tok = strings.TrimSpace(string(b))
	}
	cl := client.New(*c.server, tok)
	cl.WaitReady = *c.waitReady
	cl.Tenant = *c.tenant
	return cl, nil
}

// waitFile reads the file at path, waiting up to wait for it to appear.
func waitFile(ctx context.Context, path string, wait time.Duration) ([]byte, error) {
	deadline := time.Now().Add(wait)
	for {
		b, err := os.ReadFile(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || time.Until(deadline) <= 0 {
			return b, err
		}
		t := time.NewTimer(min(100*time.Millisecond, time.Until(deadline)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}
