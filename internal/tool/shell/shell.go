// Package shell is the "shell" tool: a command run with /bin/sh -c in the
// claw's sandbox (internal/sandbox), its workspace as working directory,
// returning the exit code and the captured, capped stdout and stderr.
package shell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/tool"
)

// MaxOutput is the default cap of stdout and of stderr, in bytes.
const MaxOutput = 64 << 10

// MaxCommand is the longest command accepted, in bytes.
const MaxCommand = 64 << 10

// Tool runs shell commands in the sandbox.
type Tool struct {
	Runner    *sandbox.Runner
	MaxOutput int // per stream; default MaxOutput
}

var _ tool.Tool = (*Tool)(nil)

// Name is "shell".
func (*Tool) Name() string { return "shell" }

// Description tells the model what the tool does and what it cannot do.
func (*Tool) Description() string {
	return "Runs a command with /bin/sh -c in an isolated sandbox. The working directory is the claw's workspace " +
		"(/workspace), the only persistent writable place; /tmp is private and discarded. There is no network unless " +
		"the claw's sandbox.network lists hosts (then through HTTP_PROXY). Memory, processes, CPU, wall time and the " +
		"workspace's disk use (its quota) are limited. Returns a JSON object with exit_code, stdout and stderr (each capped), and notes when output was " +
		"truncated or the command was killed."
}

// Schema requires a non-empty "command" string.
func (*Tool) Schema() json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"command":{"type":"string","minLength":1,"maxLength":%d,"description":"The shell command line, run as /bin/sh -c COMMAND in the workspace."}},"required":["command"],"additionalProperties":false}`, MaxCommand))
}

// Idempotent is false: a command may have any side effect.
func (*Tool) Idempotent() bool { return false }

// Result is the tool's answer, as JSON.
type Result struct {
	ExitCode int    `json:"exit_code"` // -1 when killed before it exited
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	// Killed says why the sandbox ended the command: "timeout" or "memory".
	Killed string `json:"killed,omitempty"`
	// Error is set when the command left the workspace over its disk
	// quota (sandbox.disk): the next command is refused until files are
	// deleted.
	Error string   `json:"error,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Call runs args.command.
func (t *Tool) Call(ctx context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Command *string `json:"command"`
	}
	dec := json.NewDecoder(strings.NewReader(string(args)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return "", fmt.Errorf("shell: arguments must be a JSON object with a \"command\" string: %w", err)
	}
	switch {
	case a.Command == nil || *a.Command == "":
		return "", errors.New("shell: missing required argument \"command\"")
	case len(*a.Command) > MaxCommand:
		return "", fmt.Errorf("shell: command is %d bytes, over %d", len(*a.Command), MaxCommand)
	case env.Workspace == "":
		return "", errors.New("shell: this node has no workspace directory for the claw")
	}
	limit := t.MaxOutput
	if limit <= 0 {
		limit = MaxOutput
	}
	cfg := sandbox.Config{Tenant: env.Claw.Tenant, Claw: env.Claw.Name, Workspace: env.Workspace, Sandbox: env.Claw.Spec.Sandbox}
	c := t.Runner.Command(ctx, cfg, "/bin/sh", "-c", *a.Command)
	stdout, stderr := &capped{max: limit}, &capped{max: limit}
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Start(); err != nil {
		return "", fmt.Errorf("shell: %w", err)
	}
	err := c.Wait()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		return "", fmt.Errorf("shell: %w", err)
	}
	lim := c.Limits()
	switch {
	case c.TimedOut():
		res.ExitCode, res.Killed = -1, "timeout"
		res.Notes = append(res.Notes, fmt.Sprintf("killed: the command ran past the sandbox timeout (%s); every process it started was killed", lim.Timeout.Std()))
	case c.OOMKilled():
		res.Killed = "memory"
		res.Notes = append(res.Notes, fmt.Sprintf("killed: the sandbox's memory limit (%s) was reached and the kernel killed a process (exit code 137 is SIGKILL)", lim.Memory))
	case ctx.Err() != nil:
		return "", fmt.Errorf("shell: cancelled: %w", ctx.Err())
	}
	if qerr := c.DiskQuota(); qerr != nil {
		res.Error = strings.TrimPrefix(qerr.Error(), "sandbox: ")
		res.Notes = append(res.Notes, fmt.Sprintf("disk: one file may hold at most the quota (%s); a write past it fails with \"File too large\" (exit code 153 is SIGXFSZ), and no command runs while the workspace is at or over the quota", lim.Disk))
	}
	for _, s := range []struct {
		name string
		c    *capped
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if s.c.dropped > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s truncated: %d more bytes not shown (cap %d bytes)", s.name, s.c.dropped, limit))
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// capped keeps the first max bytes written and counts the rest.
type capped struct {
	max     int
	buf     []byte
	dropped int64
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - len(c.buf)
	if room > len(p) {
		room = len(p)
	}
	if room > 0 {
		c.buf = append(c.buf, p[:room]...)
	}
	c.dropped += int64(len(p) - room)
	return len(p), nil
}

func (c *capped) String() string { return strings.ToValidUTF8(string(c.buf), "\uFFFD") }
