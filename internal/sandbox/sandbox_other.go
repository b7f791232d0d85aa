//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/reefhq/reef/internal/claw"
)

// errUnsupported is every start's error where the sandbox cannot exist.
var errUnsupported = fmt.Errorf("sandbox: tools that start processes need Linux (this node runs on %s)", runtime.GOOS)

// Cmd is a sandboxed process; on this system it never starts.
type Cmd struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Layers []Layer
	sb     claw.Sandbox
}

// Command returns a Cmd whose Start fails: there is no sandbox here.
func (r *Runner) Command(_ context.Context, cfg Config, _ ...string) *Cmd {
	return &Cmd{sb: cfg.Sandbox.WithDefaults()}
}

// StdinPipe fails: there is no sandbox here.
func (c *Cmd) StdinPipe() (io.WriteCloser, error) { return nil, errUnsupported }

// StdoutPipe fails: there is no sandbox here.
func (c *Cmd) StdoutPipe() (io.ReadCloser, error) { return nil, errUnsupported }

// Start fails: there is no sandbox here.
func (c *Cmd) Start() error { return errUnsupported }

// Wait fails: nothing was started.
func (c *Cmd) Wait() error { return errors.New("sandbox: not started") }

// Run fails: there is no sandbox here.
func (c *Cmd) Run() error { return errUnsupported }

// Kill does nothing: nothing was started.
func (c *Cmd) Kill() error { return nil }

// Pid is 0: nothing was started.
func (c *Cmd) Pid() int { return 0 }

// TimedOut is false: nothing was started.
func (c *Cmd) TimedOut() bool { return false }

// OOMKilled is false: nothing was started.
func (c *Cmd) OOMKilled() bool { return false }

// Limits returns the limits that would apply.
func (c *Cmd) Limits() claw.Sandbox { return c.sb }

// DiskQuota is nil: nothing was started.
func (c *Cmd) DiskQuota() error { return nil }

// Probe reports every layer missing.
func (r *Runner) Probe(context.Context) ([]Layer, error) {
	out := make([]Layer, 0, len(layerOrder))
	for _, n := range layerOrder {
		out = append(out, Layer{Name: n, Detail: "reef's sandbox needs Linux"})
	}
	return out, nil
}

// Main is `reef sandbox-exec`, which exists only on Linux.
func Main(_ []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, errUnsupported)
	return 2
}

// CloseOnExecInherited does nothing here: without the sandbox this node
// starts no tool processes that could inherit a descriptor.
func CloseOnExecInherited() error { return nil }

// Sweep removes nothing here: no sandbox ever ran.
func (r *Runner) Sweep(context.Context) (int, error) { return 0, nil }
