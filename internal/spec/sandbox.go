package spec

import (
	"fmt"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/egress"
)

// Bounds of the sandbox keys.
const (
	MinSandboxMemory  = claw.Bytes(16 << 20)
	MaxSandboxMemory  = claw.Bytes(64 << 30)
	MaxSandboxPids    = 65536
	MaxSandboxCPU     = 256.0
	MinSandboxCPU     = 0.01
	MaxSandboxTimeout = 24 * time.Hour
	MaxSandboxNetwork = 256
	MinSandboxDisk    = claw.Bytes(1 << 20)
	MaxSandboxDisk    = claw.Bytes(16 << 40)
)

// validateSandbox checks the spec's sandbox limits and egress allowlist.
func validateSandbox(s claw.Spec) []Problem {
	sb := s.Sandbox
	var ps []Problem
	if sb.Memory != 0 && (sb.Memory < MinSandboxMemory || sb.Memory > MaxSandboxMemory) {
		ps = append(ps, problemf("sandbox.memory", "must be between %s and %s, got %s", MinSandboxMemory, MaxSandboxMemory, sb.Memory))
	}
	if sb.Pids < 0 || sb.Pids > MaxSandboxPids || (sb.Pids != 0 && sb.Pids < 8) {
		ps = append(ps, problemf("sandbox.pids", "must be between 8 and %d, got %d", MaxSandboxPids, sb.Pids))
	}
	if sb.CPU != 0 && (sb.CPU < MinSandboxCPU || sb.CPU > MaxSandboxCPU) {
		ps = append(ps, problemf("sandbox.cpu", "must be between %g and %g CPUs, got %g", MinSandboxCPU, MaxSandboxCPU, sb.CPU))
	}
	if d := sb.Timeout.Std(); d != 0 && (d < time.Second || d > MaxSandboxTimeout) {
		ps = append(ps, problemf("sandbox.timeout", "must be between 1s and 24h, got %s", d))
	}
	if sb.Disk != 0 && (sb.Disk < MinSandboxDisk || sb.Disk > MaxSandboxDisk) {
		ps = append(ps, problemf("sandbox.disk", "must be between %s and %s, got %s", MinSandboxDisk, MaxSandboxDisk, sb.Disk))
	}
	switch sb.Level {
	case "", claw.SandboxBestEffort, claw.SandboxStrict:
	default:
		ps = append(ps, problemf("sandbox.level", "must be %q or %q, got %s", claw.SandboxStrict, claw.SandboxBestEffort, quoteShort(sb.Level)))
	}
	if len(sb.Network) > MaxSandboxNetwork {
		ps = append(ps, problemf("sandbox.network", "at most %d entries, got %d", MaxSandboxNetwork, len(sb.Network)))
	}
	seen := map[string]int{}
	for i, h := range sb.Network {
		path := fmt.Sprintf("sandbox.network[%d]", i)
		r, err := egress.ParseRule(h)
		if err != nil {
			ps = append(ps, problemf(path, "%v", err))
			continue
		}
		if first, dup := seen[r.String()]; dup {
			ps = append(ps, problemf(path, "duplicate entry %s (also sandbox.network[%d])", r, first))
			continue
		}
		seen[r.String()] = i
	}
	return ps
}
