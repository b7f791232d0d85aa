package sandbox

import (
	"errors"
	"fmt"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/wsfs"
)

// ErrDiskQuota is wrapped when a workspace is at or over its quota
// (sandbox.disk): a new process is refused, and a process that pushed the
// workspace over reports it after it exits.
var ErrDiskQuota = errors.New("workspace is over its disk quota")

// ErrDiskReserve is wrapped when the node's data volume is under its disk
// reserve, so no tool process may start (it would fill the rest).
var ErrDiskReserve = errors.New("no tool may start")

// MaxTmp is the most a sandbox's private /tmp (and /dev/shm) may hold;
// a smaller memory limit lowers it to that limit.
const MaxTmp = claw.Bytes(256 << 20)

// tmpSize is the size of a sandbox's /tmp and /dev/shm tmpfs: their
// pages are charged to the sandbox's memory cgroup anyway.
func tmpSize(memory claw.Bytes) int64 { return int64(min(memory, MaxTmp)) }

// quota is the workspace quota in force: the claw's sandbox.disk, capped
// by the node's MaxDisk.
func (r *Runner) quota(sb claw.Sandbox) claw.Bytes {
	q := sb.WithDefaults().Disk
	if r.MaxDisk > 0 && q > r.MaxDisk {
		q = r.MaxDisk
	}
	return q
}

// usage measures a workspace's allocated bytes (wsfs.Usage, or the
// Runner's Usage).
func (r *Runner) usage(dir string) (int64, error) {
	if r.Usage != nil {
		return r.Usage(dir)
	}
	return wsfs.Usage(dir)
}

// checkStart refuses a new process while the node is under its disk
// reserve or the workspace is at or over its quota.
func (r *Runner) checkStart(workspace string, quota claw.Bytes) error {
	if r.Reserve != nil {
		if err := r.Reserve(); err != nil {
			return fmt.Errorf("%w: %w", ErrDiskReserve, err)
		}
	}
	return r.checkQuota(workspace, quota)
}

// checkQuota measures the workspace against quota: nil under it, an
// error wrapping ErrDiskQuota at or over it.
func (r *Runner) checkQuota(workspace string, quota claw.Bytes) error {
	used, err := r.usage(workspace)
	if err != nil {
		return fmt.Errorf("measure the workspace's disk usage: %w", err)
	}
	if used < int64(quota) {
		return nil
	}
	return fmt.Errorf("%w: %s used of %s (sandbox.disk); delete files to continue", ErrDiskQuota, diskguard.Human(used), diskguard.Human(int64(quota)))
}
