// Package sandbox starts the processes of claws' tools inside the sandbox
// helper (`reef sandbox-exec`, a re-execution of the reef binary) with the
// strongest isolation the host allows: a per-tenant uid, user, mount, pid,
// net, ipc and uts namespaces, a minimal read-only root with the
// workspace as the only writable directory, Landlock, seccomp, rlimits,
// cgroup limits, no_new_privs and a process-group kill on timeout.
//
// The node side (Runner, Cmd) prepares cgroups, the egress socket and the
// namespaces; the helper side (Main) runs inside them and applies the
// rest before exec'ing the tool. Both report every layer as active or
// missing, which Probe and `reef doctor` show.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/egress"
)

// Layer is one isolation layer and whether it is in force.
type Layer struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
	Detail string `json:"detail"` // what it does, or why it is missing
}

// Layer names, in the order they are reported.
var layerOrder = []string{
	"uid", "userns", "mountns", "pidns", "netns", "ipcns", "utsns",
	"filesystem", "tmp", "network", "capabilities", "no_new_privs",
	"landlock", "seccomp", "rlimits", "cgroup_memory", "cgroup_pids", "cgroup_cpu",
}

// Config is what one sandboxed process is for and what bounds it.
type Config struct {
	Tenant, Claw string
	// Workspace is the host directory mounted read-write at /workspace,
	// the process's working directory. It must exist.
	Workspace string
	// Sandbox holds the claw's limits; zero fields take the defaults.
	Sandbox claw.Sandbox
	// Env is added to the tool's environment ("KEY=value").
	Env []string
	// ReadOnly lists host directories mounted read-only at the same path
	// (a stdio MCP server's installation, say); the Runner's Hide paths
	// stay hidden under them.
	ReadOnly []string
	// Persistent lifts the wall-time limit, for long-lived processes
	// such as stdio MCP servers; the caller ends them with Kill or the
	// context.
	Persistent bool
}

// Runner starts sandboxed processes. The zero value is usable.
type Runner struct {
	// Exe is the reef binary run as `Exe sandbox-exec`; default
	// /proc/self/exe (tests set it to a binary whose TestMain serves the
	// verb).
	Exe string
	// Hide lists host paths (the data directory, the config file) that
	// must not be visible even if they lie under a directory the sandbox
	// mounts read-only.
	Hide []string
	// SocketDir holds the per-sandbox egress sockets (default os.TempDir()).
	SocketDir string
	// Group, when set, names this node's own parent of its sandboxes'
	// cgroups (reef-sandbox/GROUP below the node's cgroup): one path
	// element, the same on every start of the node and used by no other
	// node, so Sweep may clear it. Without it Sweep leaves cgroups alone.
	Group string
	// Resolver resolves names for the egress proxy (default net.DefaultResolver).
	Resolver egress.Resolver
	Log      *slog.Logger
	// StartTimeout bounds the helper's setup (default 10s).
	StartTimeout time.Duration
	// Slots gives each tenant a number of its own (the store's
	// SandboxSlot) from which its tools' host uid is made; without it the
	// uid comes from a hash of the tenant's name, which two tenants could
	// share.
	Slots func(ctx context.Context, tenant string) (int, error)
	// MaxDisk caps every claw's workspace quota (sandbox.disk); 0 leaves
	// the claws' own.
	MaxDisk claw.Bytes
	// Usage measures a workspace's allocated bytes; nil is wsfs.Usage.
	Usage func(dir string) (int64, error)
	// Reserve, when set, is asked before every process starts; an error
	// (the node's data volume under its disk reserve) refuses the start.
	Reserve func() error

	slots sync.Map // tenant -> int, Slots' answers

	withoutNS uintptr // namespaces never asked for (tests of hosts that lack them)
	// sweepAge replaces, when set, the minimum age of the egress socket
	// directories Sweep removes (tests).
	sweepAge time.Duration
}

func (r *Runner) exe() string {
	if r.Exe == "" {
		return "/proc/self/exe"
	}
	return r.Exe
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// ErrStrict is wrapped when a strict sandbox refuses to run because a
// layer is missing.
var ErrStrict = errors.New("sandbox level strict")

// missing lists the missing layers as "name (why)".
func missing(ls []Layer) []string {
	var out []string
	for _, l := range ls {
		if !l.Active {
			out = append(out, fmt.Sprintf("%s (%s)", l.Name, l.Detail))
		}
	}
	return out
}

// sortLayers orders layers as layerOrder, later reports of one name
// replacing earlier ones.
func sortLayers(ls []Layer) []Layer {
	byName := map[string]Layer{}
	for _, l := range ls {
		byName[l.Name] = l
	}
	out := make([]Layer, 0, len(byName))
	for _, n := range layerOrder {
		if l, ok := byName[n]; ok {
			out = append(out, l)
			delete(byName, n)
		}
	}
	for _, l := range ls {
		if _, ok := byName[l.Name]; ok {
			out = append(out, l)
			delete(byName, l.Name)
		}
	}
	return out
}

// Summary describes a layer list in one line: "12 active; missing: x (why)".
func Summary(ls []Layer) string {
	n := 0
	for _, l := range ls {
		if l.Active {
			n++
		}
	}
	s := fmt.Sprintf("%d of %d layers active", n, len(ls))
	if m := missing(ls); len(m) > 0 {
		s += "; missing: " + strings.Join(m, ", ")
	}
	return s
}
