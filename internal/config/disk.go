package config

import (
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/spec"
)

// DefaultMaxWorkspace is the largest sandbox.disk a claw may ask for when
// the host config sets no disk.max_workspace.
const DefaultMaxWorkspace = claw.Bytes(10 << 30)

// Disk is the host config's "disk" key: how much disk the claws'
// workspaces may use and what the node keeps free for itself.
//
//	disk:
//	  max_workspace: 10Gi  # the largest sandbox.disk a spec may ask for
//	  reserve: 5%          # or a size such as 20Gi
type Disk struct {
	// MaxWorkspace caps every claw's sandbox.disk; a spec asking more is
	// refused when applied. 0 means DefaultMaxWorkspace.
	MaxWorkspace claw.Bytes `json:"max_workspace,omitzero"`
	// Reserve is the free space of the data volume under which the node
	// refuses new events and tool processes; unset means
	// diskguard.DefaultReserve (5%).
	Reserve *diskguard.Reserve `json:"reserve,omitempty"`
}

// WorkspaceCap returns the cap on sandbox.disk in force.
func (d Disk) WorkspaceCap() claw.Bytes {
	if d.MaxWorkspace == 0 {
		return DefaultMaxWorkspace
	}
	return d.MaxWorkspace
}

// ReserveOrDefault returns the reserve in force.
func (d Disk) ReserveOrDefault() diskguard.Reserve {
	if d.Reserve == nil {
		return diskguard.DefaultReserve
	}
	return *d.Reserve
}

// validateDisk checks the disk key's bounds.
func validateDisk(d Disk) []spec.Problem {
	var ps []spec.Problem
	if d.MaxWorkspace != 0 && (d.MaxWorkspace < spec.MinSandboxDisk || d.MaxWorkspace > spec.MaxSandboxDisk) {
		ps = append(ps, spec.Problem{Path: "disk.max_workspace", Message: "disk.max_workspace: must be between " +
			spec.MinSandboxDisk.String() + " and " + spec.MaxSandboxDisk.String() + ", got " + d.MaxWorkspace.String()})
	}
	return ps
}
