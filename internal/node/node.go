// Package node wires one reef node together: the store, the model
// providers of the host config, the wake seam, the sandbox, the node
// services (scheduler, outbox, approval timer), the tool registry, the
// agent runner, the claw supervisor and the HTTP API, in that order, in
// Open (docs/architecture.md). `reef serve`, the benchmark and the
// end-to-end tests all start nodes through it.
package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/agent"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/live"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/anthropic"
	"github.com/reefhq/reef/internal/llm/openai"
	"github.com/reefhq/reef/internal/llm/script"
	"github.com/reefhq/reef/internal/outbox"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/postgres"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/mcptool"
	"github.com/reefhq/reef/internal/tool/skill"
	"github.com/reefhq/reef/internal/wake"
	"github.com/reefhq/reef/internal/wsplace"
)

// Options configure a node.
type Options struct {
	DataDir     string // SQLite database, admin token (default ./reef-data)
	DatabaseURL string // postgres://... selects PostgreSQL
	Addr        string // listen address (default 127.0.0.1:7420)
	Config      config.Config
	Log         *slog.Logger
	Version     string
	// Out receives the one-time admin token notice; nil discards it.
	Out       io.Writer
	Supervise supervise.Config
	Outbox    outbox.Config
	Scheduler scheduler.Config
	// Tools are offered besides the built-in ones (echo, the file tools,
	// schedule); tests and the benchmark add their own.
	Tools []tool.Tool
	// Getenv reads the environment for webhook secrets (secret_env); nil
	// is os.Getenv.
	Getenv func(string) string
	// MCPCommand, when set, builds the process of a claw's stdio MCP
	// server, which then runs unsandboxed (mcptool.DefaultCommand does
	// so in the claw's workspace). By default stdio servers run in the
	// sandbox helper, like the shell tool.
	MCPCommand mcptool.CommandFunc
	// SandboxExe is the binary run as `SandboxExe sandbox-exec` for tool
	// processes; default /proc/self/exe (the running reef).
	SandboxExe string
	// DiskSpace measures the data volume for the disk reserve; nil is
	// statfs (tests inject a full volume).
	DiskSpace diskguard.StatFunc
}

// Node is a running reef node.
type Node struct {
	Store      store.Store
	Wake       *wake.Hub // wakes claws, reports the end of their events
	Supervisor *supervise.Supervisor
	Outbox     *outbox.Deliverer
	Approvals  *supervise.ApprovalTimer
	Scheduler  *scheduler.Scheduler
	API        *httpapi.Server
	MCP        *mcptool.Manager // MCP client connections of the claws
	Sandbox    *sandbox.Runner
	// Disk keeps the disk reserve of the data volume (disk.reserve).
	Disk *diskguard.Guard
	// AdminToken is set when this start created the admin token.
	AdminToken string

	opts Options
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Open builds every part of the node, in the order they depend on each
// other: the store, the admin token, the workspace policy and the disk
// reserve, the wake seam, the sandbox, the node services, the tools, the
// agent runner, the supervisor and the API. Start makes it serve. On
// error nothing stays open.
func Open(ctx context.Context, opts Options) (_ *Node, err error) {
	opts = opts.withDefaults()
	models, err := providers(opts.Config)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	adminToken, err := ensureAdminToken(ctx, st, opts.DataDir, opts.Out)
	if err != nil {
		return nil, err
	}
	// One policy decides every claw's workspace directory and refuses
	// those the node does not allow.
	places, err := wsplace.New(opts.DataDir, opts.Config.WorkspaceRoots, st)
	if err != nil {
		return nil, err
	}
	dataAbs, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	disk, err := diskGuard(dataAbs, opts.Config.Disk, opts.DiskSpace)
	if err != nil {
		return nil, err
	}
	hub := wake.New() // everything that wakes a claw takes it
	box := openSandbox(ctx, opts, st, dataAbs, disk)

	// Node services, children of the supervisor.
	sched := scheduler.New(st, hub.Notify, opts.Log, opts.schedulerConfig(places))
	approvals := supervise.NewApprovalTimer(st, hub.Notify, opts.Supervise.Clock, opts.Log)
	deliver := outbox.New(st, &http.Client{}, opts.Log, opts.outboxConfig(st, hub))

	tools := buildTools(opts, st, hub, sched, box)
	mcp := mcptool.New(opts.mcpConfig(places, box))
	deltas := live.New()
	runner := &agent.Runner{
		Store: st, Models: models, Tools: tool.Sources{tools, mcp, skill.Source{Dir: places.Dir}}, Log: opts.Log,
		Workspace: places.Dir, OnOutbox: deliver.Notify, OnApproval: approvals.Poke, OnText: deltas.Sink, OnTool: deltas.Tool,
	}
	supCfg := opts.Supervise
	supCfg.OnHibernate = chain(supCfg.OnHibernate, mcp.CloseClaw)
	// The supervisor is the root of the node's tree: node services run
	// under it and are restarted when they panic.
	sup := supervise.New(st, hub, runner, opts.Log, supCfg)
	sup.AddService("outbox", deliver)
	sup.AddService("approvals", approvals)
	sup.AddService("scheduler", sched)

	api := &httpapi.Server{
		Store: st, Supervisor: sup, Wake: hub, Scheduler: sched, Log: opts.Log, Version: opts.Version,
		ValidateSpec: func(s claw.Spec) error { return validateRefs(s, models, tools, opts.Getenv, opts.Config.Disk) },
		Getenv:       opts.Getenv, Deltas: deltas,
		OnClawDeleted: mcp.CloseClaw,
		Workspaces:    places,
		Doctor:        box.Probe,
		Reserve:       disk.Check,
	}
	return &Node{
		Store: st, Wake: hub, Supervisor: sup, Outbox: deliver, Approvals: approvals, Scheduler: sched,
		API: api, MCP: mcp, Sandbox: box, Disk: disk, AdminToken: adminToken, opts: opts,
	}, nil
}

// sandboxGroup names the node's own parent of its sandboxes' cgroups
// after its data directory: the same on every start, and another node's
// (which has its own data directory) elsewhere.
func sandboxGroup(dataAbs string) string {
	sum := sha256.Sum256([]byte(dataAbs))
	return "node-" + hex.EncodeToString(sum[:6])
}

func openStore(ctx context.Context, opts Options) (store.Store, error) {
	if u := opts.DatabaseURL; u != "" {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			return nil, fmt.Errorf("database url must start with postgres:// (SQLite is the default under --data)")
		}
		return postgres.Open(ctx, u, nil)
	}
	return sqlite.Open(ctx, filepath.Join(opts.DataDir, "reef.db"), nil)
}

// validateRefs checks that a spec's model names a configured provider,
// its tools exist on this node and its sandbox.disk is within the node's
// cap (the workspace is the wsplace policy's, checked at apply).
func validateRefs(s claw.Spec, models *llm.Registry, tools *tool.Registry, getenv func(string) string, disk config.Disk) error {
	var problems []string
	if _, _, err := models.Resolve(s.Model); err != nil {
		problems = append(problems, "model: "+err.Error())
	}
	if hb := s.Heartbeat; hb != nil && hb.Model != "" {
		if _, _, err := models.Resolve(hb.Model); err != nil {
			problems = append(problems, "heartbeat.model: "+err.Error())
		}
	}
	if _, err := tools.Select(s.Tools); err != nil {
		problems = append(problems, "tools: "+err.Error())
	}
	problems = append(problems, webhookSecrets(s, getenv)...)
	problems = append(problems, diskProblems(s, disk)...)
	if len(problems) > 0 {
		return claw.Errorf(claw.EUNPROCESSABLE, "%s", strings.Join(problems, "\n"))
	}
	return nil
}

// providers builds the model providers of a host config.
func providers(cfg config.Config) (*llm.Registry, error) {
	reg := llm.NewRegistry()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 1024
	transport.MaxIdleConnsPerHost = 256
	client := &http.Client{Transport: transport}
	for name, p := range cfg.Providers {
		retries := 0
		if p.MaxRetries != nil {
			retries = *p.MaxRetries
			if retries == 0 {
				retries = -1 // the SDKs read 0 as "default"
			}
		}
		cc := llm.ClientConfig{Name: name, BaseURL: p.BaseURL, APIKey: p.ResolvedKey(), MaxRetries: retries, Timeout: p.Timeout.Std(), HTTPClient: client}
		switch p.Kind {
		case config.KindOpenAI:
			reg.Add(name, openai.New(cc))
		case config.KindAnthropic:
			reg.Add(name, anthropic.New(cc))
		case config.KindBuiltin:
			reg.Add(name, script.NewProvider(name, script.New()))
		default:
			return nil, fmt.Errorf("provider %s: unknown kind %q", name, p.Kind)
		}
	}
	return reg, nil
}

// TokenFile is where the admin token is written under the data directory.
func TokenFile(dataDir string) string { return filepath.Join(dataDir, "admin.token") }

// Start listens, resumes unfinished work and serves until Stop.
func (n *Node) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", n.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	n.ln = ln
	n.srv = &http.Server{Handler: n.API.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(n.opts.Log.Handler(), slog.LevelWarn)}
	n.srv.RegisterOnShutdown(n.API.CloseMCP)
	n.done = make(chan error, 1)
	go func() { n.done <- n.srv.Serve(ln) }()
	if err := n.Supervisor.Start(ctx); err != nil {
		n.srv.Close()
		return fmt.Errorf("resume claws: %w", err)
	}
	n.API.SetReady(true)
	return nil
}

// Addr is the address the node listens on.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// URL is the node's base URL.
func (n *Node) URL() string { return "http://" + n.Addr() }

// Done is closed (after delivering an error) when the HTTP server stops.
func (n *Node) Done() <-chan error { return n.done }

// Stop drains the node and closes the store: new events are refused (503),
// runs stop at their next step boundary (within the supervisor's grace
// period; they resume on the next start), node services stop, then the
// HTTP server closes.
func (n *Node) Stop(ctx context.Context) error {
	n.API.SetReady(false)
	n.API.SetDraining()
	n.Supervisor.Stop()
	n.MCP.Close() // no run uses a connection any more
	var err error
	if n.srv != nil {
		// Requests in flight (a ?wait= long poll) get until ctx ends; then
		// they are cut off: their events stay safe in the store.
		if e := n.srv.Shutdown(ctx); e != nil && !errors.Is(e, http.ErrServerClosed) {
			n.opts.Log.Warn("closing requests still in flight", "err", e)
			n.srv.Close()
		}
	}
	return errors.Join(err, n.Store.Close())
}

// sandboxedMCP starts claws' stdio MCP servers in the sandbox helper,
// with the claw's sandbox limits but no wall-time limit, the spec's env
// (nothing of the node's) and its read_only directories.
func sandboxedMCP(r *sandbox.Runner) mcptool.StartFunc {
	return func(ctx context.Context, c claw.Claw, workspace string, s claw.MCPServer, stderr io.Writer) (*mcptool.Process, error) {
		cmd := r.Command(ctx, sandbox.Config{
			Tenant: c.Tenant, Claw: c.Name, Workspace: workspace, Sandbox: c.Spec.Sandbox,
			Env: mcptool.SpecEnv(s), ReadOnly: s.ReadOnly, Persistent: true,
		}, append([]string{s.Command}, s.Args...)...)
		cmd.Stderr = stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return &mcptool.Process{Stdin: stdin, Stdout: stdout, Wait: cmd.Wait, Kill: cmd.Kill}, nil
	}
}
