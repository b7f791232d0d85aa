package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/reefhq/reef/internal/agent"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/outbox"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/clawtool"
	fstool "github.com/reefhq/reef/internal/tool/fs"
	"github.com/reefhq/reef/internal/tool/mcptool"
	"github.com/reefhq/reef/internal/tool/memory"
	"github.com/reefhq/reef/internal/tool/scheduletool"
	"github.com/reefhq/reef/internal/tool/shell"
	"github.com/reefhq/reef/internal/tool/web"
	"github.com/reefhq/reef/internal/wake"
	"github.com/reefhq/reef/internal/wsplace"
)

// What the node wires together, checked where the parts meet: node
// services under the supervisor, the agent as the supervisor's runner, the
// wake seam as the claw tools' mailbox.
var (
	_ supervise.Service = (*outbox.Deliverer)(nil)
	_ supervise.Service = (*scheduler.Scheduler)(nil)
	_ supervise.Runner  = (*agent.Runner)(nil)
	_ clawtool.Mailbox  = (*wake.Hub)(nil)
)

// withDefaults fills the options left zero.
func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = "reef-data"
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:7420"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Supervise.Workers == 0 {
		o.Supervise.Workers = o.Config.Workers
	}
	return o
}

// schedulerConfig is the scheduler's configuration, reading HEARTBEAT.md
// from the workspaces the policy allows unless the caller chose another
// directory.
func (o Options) schedulerConfig(places *wsplace.Policy) scheduler.Config {
	cfg := o.Scheduler
	if cfg.Workspace == nil {
		cfg.Workspace = places.Dir
	}
	return cfg
}

// outboxConfig is the outbox's configuration with the node's own
// delivery kind: a claw's reply to another claw's message, written into
// the asker's mailbox.
func (o Options) outboxConfig(st store.Store, hub *wake.Hub) outbox.Config {
	cfg := o.Outbox
	cfg.Handlers = withHandler(cfg.Handlers, claw.KindClawReply, (&clawtool.Replies{Store: st, Mailbox: hub}).Deliver)
	return cfg
}

// mcpConfig configures the claws' MCP client connections: stdio servers
// run in the sandbox helper unless the caller gave its own command.
func (o Options) mcpConfig(places *wsplace.Policy, box *sandbox.Runner) mcptool.Config {
	cfg := mcptool.Config{Log: o.Log, Command: o.MCPCommand, Workspace: places.Dir}
	if o.MCPCommand == nil {
		cfg.Start = sandboxedMCP(box)
	}
	return cfg
}

// openSandbox returns the runner of the node's sandboxed tool processes,
// after sweeping what this node's sandboxes left behind when it last died
// (kill -9).
func openSandbox(ctx context.Context, o Options, st store.Store, dataAbs string, disk *diskguard.Guard) *sandbox.Runner {
	box := &sandbox.Runner{Exe: o.SandboxExe, Hide: []string{dataAbs}, Log: o.Log, Slots: st.SandboxSlot,
		MaxDisk: o.Config.Disk.WorkspaceCap(), Reserve: disk.Check, Group: sandboxGroup(dataAbs)}
	if swept, err := box.Sweep(ctx); err != nil {
		o.Log.Warn("sweep sandbox leftovers", "removed", swept, "err", err)
	} else if swept > 0 {
		o.Log.Info("swept sandbox leftovers", "removed", swept)
	}
	return box
}

// buildTools is the registry of the node's built-in tools and those of
// the options.
func buildTools(o Options, st store.Store, hub *wake.Hub, sched *scheduler.Scheduler, box *sandbox.Runner) *tool.Registry {
	return tool.NewRegistry(slices.Concat(
		[]tool.Tool{
			tool.Echo{}, &scheduletool.Tool{Scheduler: sched},
			clawtool.NewAsk(st, hub, 0), clawtool.NewMessage(st, hub),
			&shell.Tool{Runner: box}, &web.Fetch{Log: o.Log},
		},
		fstool.Tools(), memory.Tools(st), o.Tools)...)
}

// ensureAdminToken creates the admin token when the store has none,
// writing it to TokenFile(dataDir) and announcing it once on out; it
// returns the new secret, or "" when a token existed.
func ensureAdminToken(ctx context.Context, st store.Store, dataDir string, out io.Writer) (string, error) {
	has, err := st.HasAdminToken(ctx)
	if err != nil || has {
		return "", err
	}
	secret, tok := httpapi.NewToken(store.Token{Tenant: claw.DefaultTenant, Role: claw.RoleAdmin, Name: "admin"})
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	path := TokenFile(dataDir)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write admin token: %w", err)
	}
	if err := st.CreateToken(ctx, tok); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "Created the admin token (shown once; also in %s):\n\n    %s\n\n", path, secret)
	return secret, nil
}
