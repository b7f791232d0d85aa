package sandbox

import (
	"context"
	"fmt"
	"os"

	"github.com/reefhq/reef/internal/claw"
)

// Probe starts the helper the way a tool would be started (tenant
// "doctor", default limits, best effort) without running any tool, and
// reports every layer as active or missing with the reason.
func (r *Runner) Probe(ctx context.Context) ([]Layer, error) {
	dir, err := os.MkdirTemp("", "reef-probe-")
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer os.RemoveAll(dir)
	c := r.Command(ctx, Config{Tenant: "doctor", Claw: "probe", Workspace: dir, Sandbox: claw.Sandbox{Level: claw.SandboxBestEffort}})
	c.probe = true
	if err := c.Start(); err != nil {
		return c.Layers, err
	}
	if err := c.Wait(); err != nil {
		return c.Layers, fmt.Errorf("probe: helper: %w", err)
	}
	return c.Layers, nil
}
