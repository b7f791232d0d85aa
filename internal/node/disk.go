package node

import (
	"fmt"
	"os"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/diskguard"
)

// diskGuard returns the guard of the node's disk reserve on the data
// directory (made if missing: with PostgreSQL it holds only workspaces),
// measured by stat (nil: statfs).
func diskGuard(dataAbs string, disk config.Disk, stat diskguard.StatFunc) (*diskguard.Guard, error) {
	if err := os.MkdirAll(dataAbs, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return &diskguard.Guard{Dir: dataAbs, Reserve: disk.ReserveOrDefault(), Stat: stat}, nil
}

// diskProblems checks a spec's sandbox.disk against the host config's
// cap (disk.max_workspace).
func diskProblems(s claw.Spec, disk config.Disk) []string {
	limit := disk.WorkspaceCap()
	if s.Sandbox.Disk > limit {
		return []string{fmt.Sprintf("sandbox.disk: %s is over this node's limit of %s (disk.max_workspace in the host config)", s.Sandbox.Disk, limit)}
	}
	return nil
}
