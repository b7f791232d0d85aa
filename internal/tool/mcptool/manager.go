// Package mcptool gives claws the tools of MCP servers (spec "mcp"): a
// Manager owns one client connection per (claw, server), made on first use
// with the official go-sdk, and offers each server's tools to the model as
// SERVER__TOOL with their input schemas. A connection that dies is made
// again on its next use, after an exponential backoff; a server's
// tools/list_changed notification makes the next run list its tools again.
// Connections close when their claw hibernates, changes or is deleted, and
// when the node stops. A panic inside the SDK during a call is recovered
// and ends that connection only.
package mcptool

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
)

// CommandFunc builds, without starting it, the process of a stdio MCP
// server for claw c, to run in workspace (which exists). The node's
// default is DefaultCommand; a sandboxing node routes it through its
// sandbox helper instead (the returned *exec.Cmd is started by the SDK's
// CommandTransport, which talks to it over stdin and stdout).
type CommandFunc func(ctx context.Context, c claw.Claw, workspace string, s claw.MCPServer) (*exec.Cmd, error)

// Process is a started stdio server: pipes to it and its end.
type Process struct {
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
	Wait   func() error // waits for the process to exit (called once)
	Kill   func() error // ends it at once
}

// StartFunc starts the process of a stdio MCP server for claw c in
// workspace (which exists), its standard error written to stderr; the
// process lives until ctx ends or it is killed. A node with a sandbox
// helper starts servers through it this way (Config.Start).
type StartFunc func(ctx context.Context, c claw.Claw, workspace string, s claw.MCPServer, stderr io.Writer) (*Process, error)

// Config configures a Manager. Zero values take the defaults.
type Config struct {
	Log *slog.Logger
	// Workspace returns a claw's workspace directory, the working
	// directory of its stdio servers (the node's wsplace.Policy.Dir), or
	// why the node does not allow it: then no server of the claw starts.
	// Required for stdio servers.
	Workspace func(claw.Claw) (string, error)
	// Start, when set, starts stdio servers (sandboxed, on a node);
	// Command is not used then.
	Start StartFunc
	// Command builds a stdio server's process when Start is nil (default
	// DefaultCommand, which does not sandbox it).
	Command CommandFunc
	// HTTPClient makes requests to url servers (default: a client of
	// its own).
	HTTPClient *http.Client
	// ConnectTimeout bounds starting and initializing a connection
	// (default 30s).
	ConnectTimeout time.Duration
	// BaseBackoff is the wait after a connection's first failure, doubled
	// per failure up to MaxBackoff (defaults 1s and 1m).
	BaseBackoff, MaxBackoff time.Duration
	// OnToolsChanged, when set, is called when a server says its tool list
	// changed (for metrics and tests).
	OnToolsChanged func(tenant, claw, server string)
}

// Manager owns the MCP client connections of every claw on the node. It is
// a tool.Source; Close ends every connection.
type Manager struct {
	cfg    Config
	ctx    context.Context // ends with Close: cancels connects in progress
	cancel context.CancelFunc
	wg     sync.WaitGroup // one watcher per live session

	mu     sync.Mutex
	closed bool
	conns  map[connKey]*conn
}

type connKey struct{ tenant, claw, server string }

var _ tool.Source = (*Manager)(nil)

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Command == nil {
		cfg.Command = DefaultCommand
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{cfg: cfg, ctx: ctx, cancel: cancel, conns: map[connKey]*conn{}}
}

// Tools returns the tools of every MCP server c's spec lists, connecting
// to each on first use. A server that cannot be reached is left out, with
// a warning in the log, so that the claw still runs with its other tools.
// Connections of servers the spec no longer lists, or lists differently,
// are closed.
func (m *Manager) Tools(ctx context.Context, c claw.Claw) ([]tool.Tool, error) {
	want := map[string]bool{}
	var out []tool.Tool
	for _, s := range c.Spec.MCP {
		want[s.Name] = true
		cn, err := m.conn(c, s)
		if err != nil {
			return nil, err
		}
		ts, err := cn.tools(ctx)
		if err != nil {
			m.cfg.Log.Warn("mcp server unavailable; its tools are left out of this run",
				"tenant", c.Tenant, "claw", c.Name, "server", s.Name, "err", err)
			continue
		}
		out = append(out, ts...)
	}
	m.closeWhere(func(k connKey) bool {
		return k.tenant == c.Tenant && k.claw == c.Name && !want[k.server]
	})
	return out, nil
}

// conn returns the connection of (c, s), replacing one made with another
// configuration.
func (m *Manager) conn(c claw.Claw, s claw.MCPServer) (*conn, error) {
	fp, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("mcp server %s: %w", s.Name, err)
	}
	ws := ""
	if m.cfg.Workspace != nil {
		if ws, err = m.cfg.Workspace(c); err != nil {
			return nil, fmt.Errorf("mcp server %s: %w", s.Name, err)
		}
	}
	k := connKey{c.Tenant, c.Name, s.Name}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, fmt.Errorf("mcp: the node is stopping")
	}
	old := m.conns[k]
	if old != nil && old.fingerprint == string(fp) && old.workspace == ws {
		m.mu.Unlock()
		return old, nil
	}
	cn := &conn{m: m, key: k, claw: c, spec: s, fingerprint: string(fp), workspace: ws}
	m.conns[k] = cn
	m.mu.Unlock()
	if old != nil {
		old.close()
	}
	return cn, nil
}

// CloseClaw closes every connection of a claw (on hibernation, change or
// deletion); a later run connects again.
func (m *Manager) CloseClaw(ref claw.Ref) {
	m.closeWhere(func(k connKey) bool { return k.tenant == ref.Tenant && k.claw == ref.Name })
}

func (m *Manager) closeWhere(match func(connKey) bool) {
	var drop []*conn
	m.mu.Lock()
	for k, cn := range m.conns {
		if match(k) {
			drop = append(drop, cn)
			delete(m.conns, k)
		}
	}
	m.mu.Unlock()
	for _, cn := range drop {
		cn.close()
	}
}

// Close closes every connection and waits until their goroutines have
// ended. It is safe to call twice.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.closeWhere(func(connKey) bool { return true })
	m.wg.Wait()
}

// Live lists the connections that have a session now, as
// "tenant/claw/server", sorted (for tests and diagnostics).
func (m *Manager) Live() []string {
	m.mu.Lock()
	conns := make([]*conn, 0, len(m.conns))
	for _, cn := range m.conns {
		conns = append(conns, cn)
	}
	m.mu.Unlock()
	var out []string
	for _, cn := range conns {
		if cn.live() {
			out = append(out, cn.key.tenant+"/"+cn.key.claw+"/"+cn.key.server)
		}
	}
	sort.Strings(out)
	return out
}

// baseEnv is what a stdio server inherits of the node's environment; the
// node's own secrets (provider keys) stay out.
var baseEnv = []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ", "SYSTEMROOT"}

// DefaultCommand runs the server's command with its args in workspace, with
// an environment of PATH, HOME, USER, LANG, LC_ALL, TMPDIR and TZ from the
// node plus the spec's env. It does not sandbox the process.
func DefaultCommand(_ context.Context, _ claw.Claw, workspace string, s claw.MCPServer) (*exec.Cmd, error) {
	cmd := exec.Command(s.Command, s.Args...)
	cmd.Dir = workspace
	for _, k := range baseEnv {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, SpecEnv(s)...)
	return cmd, nil
}

// SpecEnv is the server's spec env as KEY=value entries, sorted by key.
func SpecEnv(s claw.MCPServer) []string {
	env := make([]string, 0, len(s.Env))
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}
