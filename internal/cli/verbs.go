package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/spec"
)

func apply(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "apply")
	file := f.String("f", "", "spec file (YAML or JSON); - reads standard input")
	cf := addClientFlags(f, env)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *file == "" {
		return errUsage
	}
	var data []byte
	var err error
	if *file == "-" {
		data, err = io.ReadAll(env.Stdin)
	} else {
		data, err = os.ReadFile(*file)
	}
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	// Check locally first: the problems name the file's lines.
	if _, err := spec.Parse(data); err != nil {
		return fmt.Errorf("%s: invalid spec:\n%s", *file, indent(claw.ErrorMessage(err)))
	}
	c, err := cf.client(ctx)
	if err != nil {
		return err
	}
	res, err := c.Apply(ctx, data)
	if err != nil {
		return fmt.Errorf("%s: %s", *file, err)
	}
	switch res.Result {
	case "updated":
		fmt.Fprintf(env.Stdout, "claw/%s updated (v%d)\n", res.Claw.Name, res.Version)
		for _, d := range res.Diff {
			fmt.Fprintf(env.Stdout, "  %s\n", d)
		}
	default:
		fmt.Fprintf(env.Stdout, "claw/%s %s (v%d)\n", res.Claw.Name, res.Result, res.Version)
	}
	return nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func listClaws(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "claws")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	_, c, err := cf.connect(ctx, f, args, 0)
	if err != nil {
		return err
	}
	cs, err := c.Claws(ctx)
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, cs)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tSTATE\tMODEL\tRESTARTS\tLAST ERROR")
	for _, c := range cs {
		fmt.Fprintf(w, "%s\tv%d\t%s\t%s\t%d\t%s\n", c.Name, c.Version, c.State, c.Spec.Model, c.Restarts, oneLine(c.LastError, 60))
	}
	return w.Flush()
}

// oneLine joins s onto one line of at most n characters, shortened with
// an ellipsis; it never cuts a multi-byte character in two.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func get(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "get")
	specOnly := f.Bool("spec", false, "print only the current spec (JSON, accepted by 'reef apply -f')")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	cl, err := c.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	if *specOnly {
		return printJSON(env.Stdout, cl.Spec)
	}
	return printJSON(env.Stdout, cl)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func del(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "delete")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	if err := c.Delete(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "claw/%s deleted\n", pos[0])
	return nil
}

func send(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "send")
	session := f.String("session", claw.DefaultSession, "session (conversation) to send in")
	wait := f.Bool("wait", false, "wait for the reply and print it; exit non-zero when the run failed")
	timeout := f.Duration("timeout", 5*time.Minute, "with --wait: how long to wait; also how long a message whose connection dropped is sent again")
	key := f.String("idempotency-key", "", "idempotency key: a repeated key is processed once (default: a new random key)")
	file := f.String("file", "", "read the message from this file instead of the TEXT argument")
	cf := addClientFlags(f, env)
	pos, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	text, err := messageText(env, pos, *file)
	if err != nil {
		return err
	}
	c, err := cf.client(ctx)
	if err != nil {
		return err
	}
	c.RetryFor = *timeout
	if *key == "" {
		*key = client.NewKey()
	}
	req := api.MessageRequest{Text: text, Session: *session, IdempotencyKey: *key}
	if b, err := json.Marshal(req); err == nil && len(b) > api.MaxBody {
		return tooLarge(len(b))
	}
	w := time.Duration(0)
	if *wait {
		w = *timeout
	}
	var res api.EventResponse
	if *wait {
		res, err = streamReply(ctx, env, c, pos[0], req, w)
	} else {
		res, err = c.Send(ctx, pos[0], req, 0)
	}
	if err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) || res.EventID != 0 {
			return err
		}
		return fmt.Errorf("%w\nthe message may have been stored: send it again with --idempotency-key %s (the node processes a key once), or look for it with 'reef runs %s'", err, *key, pos[0])
	}
	if !*wait {
		fmt.Fprintf(env.Stdout, "event %d accepted (%s)\n", res.EventID, res.Status)
	}
	return nil
}

// messageText is the text of a message: TEXT, stdin for "-", or --file.
// A text over the node's request limit is refused here, naming it.
func messageText(env Env, pos []string, file string) (string, error) {
	var b []byte
	var err error
	switch {
	case file != "" && len(pos) == 1:
		b, err = readCapped(func() (io.ReadCloser, error) { return os.Open(file) })
	case file == "" && len(pos) == 2 && pos[1] == "-":
		b, err = readCapped(func() (io.ReadCloser, error) { return io.NopCloser(env.Stdin), nil })
	case file == "" && len(pos) == 2:
		b = []byte(pos[1])
	default:
		return "", errUsage
	}
	if err != nil {
		return "", err
	}
	if len(b) > api.MaxBody {
		return "", tooLarge(len(b))
	}
	if !utf8.Valid(b) {
		return "", errors.New("message is not UTF-8 text")
	}
	return string(b), nil
}

// tooLarge is the error of a message over the node's request limit.
func tooLarge(n int) error {
	return fmt.Errorf("message of %d bytes is over the node's limit of %d bytes per request (%d MiB, JSON-encoded): shorten it, or put it in a file of the claw's workspace and refer to that", n, api.MaxBody, api.MaxBody>>20)
}

// readCapped reads what open returns, at most one byte past the limit of
// a request (enough to refuse it).
func readCapped(open func() (io.ReadCloser, error)) ([]byte, error) {
	r, err := open()
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, api.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return b, nil
}

// printReply prints a finished event's reply, or fails with its error.
func printReply(env Env, res api.EventResponse) error {
	switch res.Status {
	case claw.EventCompleted:
		fmt.Fprintln(env.Stdout, res.Reply)
		return nil
	case claw.EventFailed:
		return fmt.Errorf("run failed (event %d, run %d): %s", res.EventID, res.RunID, res.Error)
	default:
		return fmt.Errorf("no reply yet: event %d is %s (see 'reef runs')", res.EventID, res.Status)
	}
}

func chat(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "chat")
	session := f.String("session", claw.DefaultSession, "session (conversation) to talk in")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	if _, err := c.Get(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Talking to %s in session %q. Type /exit or end input (Ctrl-D) to leave.\n", pos[0], *session)
	in := bufio.NewScanner(env.Stdin)
	in.Buffer(make([]byte, 64*1024), api.MaxBody)
	for {
		fmt.Fprint(env.Stdout, "> ")
		if !in.Scan() {
			fmt.Fprintln(env.Stdout)
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if line == "/exit" || line == "/quit" {
			return nil
		}
		res, err := streamReply(ctx, env, c, pos[0], api.MessageRequest{Text: line, Session: *session}, 10*time.Minute)
		if err != nil {
			if res.EventID == 0 {
				return err
			}
			fmt.Fprintf(env.Stdout, "! %v\n", err)
		}
	}
}

func runs(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "runs")
	limit := f.Int("limit", 20, "how many recent runs")
	steps := f.Bool("steps", false, "list each run's steps")
	out := addOutputFlag(f)
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	rs, err := c.Runs(ctx, pos[0], *limit)
	if err != nil {
		return err
	}
	if asJSON, err := out.json(); err != nil {
		return err
	} else if asJSON {
		return printJSON(env.Stdout, rs)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tEVENT\tSTATUS\tSTEPS\tCOMPACTED\tTOKENS IN/OUT\tDURATION\tSTARTED\tFROM\tERROR")
	for _, r := range rs {
		dur := "-"
		if r.FinishedAt != nil {
			dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		compacted := "-"
		if r.Compactions > 0 {
			compacted = fmt.Sprintf("%dx", r.Compactions)
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%d\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", r.ID, r.EventID, r.Status, r.Steps, compacted, r.InputTokens, r.OutputTokens,
			dur, r.StartedAt.Local().Format(time.DateTime), hopFrom(r.Hop), oneLine(r.Error, 60))
		if *steps {
			v, err := c.Run(ctx, pos[0], r.ID)
			if err != nil {
				return err
			}
			for _, s := range v.StepList {
				sdur := "-"
				if s.FinishedAt != nil {
					sdur = s.FinishedAt.Sub(s.StartedAt).Round(time.Millisecond).String()
				}
				detail := s.Name
				if s.Error != "" {
					detail += ": " + s.Error
				}
				fmt.Fprintf(w, "\t  #%d %s\t%s\t\t\t%d/%d\t%s\t\t\t%s\n", s.Seq, s.Kind, s.Status, s.InputTokens, s.OutputTokens, sdur, oneLine(detail, 70))
			}
		}
	}
	return w.Flush()
}

func rollback(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "rollback")
	to := f.Int("to", 0, "version to return to (default: the one before the current)")
	cf := addClientFlags(f, env)
	pos, c, err := cf.connect(ctx, f, args, 1)
	if err != nil {
		return err
	}
	res, err := c.Rollback(ctx, pos[0], *to)
	if err != nil {
		return err
	}
	if res.Result == "unchanged" {
		fmt.Fprintf(env.Stdout, "claw/%s unchanged: v%d already has that spec\n", res.Claw.Name, res.Version)
		return nil
	}
	fmt.Fprintf(env.Stdout, "claw/%s rolled back: now v%d\n", res.Claw.Name, res.Version)
	for _, d := range res.Diff {
		fmt.Fprintf(env.Stdout, "  %s\n", d)
	}
	return nil
}

func version(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "version")
	cf := addClientFlags(f, env)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "client: reef %s\n", BuildVersion())
	c, err := cf.client(ctx)
	if err != nil {
		fmt.Fprintf(env.Stdout, "server: (no token: %v)\n", err)
		return nil
	}
	v, err := c.Version(ctx)
	if err != nil {
		fmt.Fprintf(env.Stdout, "server: unreachable (%v)\n", err)
		return nil
	}
	fmt.Fprintf(env.Stdout, "server: reef %s at %s\n", v, *cf.server)
	return nil
}
