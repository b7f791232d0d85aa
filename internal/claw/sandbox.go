package claw

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Sandbox bounds the processes a claw's tools start (the spec's "sandbox"
// key). Zero fields take the defaults below.
type Sandbox struct {
	Memory  Bytes    `json:"memory,omitzero"`  // memory limit, such as "512Mi"
	Pids    int      `json:"pids,omitempty"`   // most processes at once
	CPU     float64  `json:"cpu,omitempty"`    // CPUs' worth of time, such as 0.5
	Timeout Duration `json:"timeout,omitzero"` // wall time per process
	// Disk is the workspace's quota: the most its files may occupy on
	// disk, and the most one file a tool writes may hold.
	Disk Bytes `json:"disk,omitzero"`
	// Network lists the host:port pairs tools may reach through the
	// node's egress proxy; empty (or "none") means no network.
	Network Network `json:"network,omitzero"`
	// Level is "best-effort" (run with the layers the host has) or
	// "strict" (refuse to run when a layer is missing).
	Level string `json:"level,omitempty"`
}

// Sandbox defaults and levels.
const (
	DefaultSandboxMemory  Bytes = 512 << 20
	DefaultSandboxPids          = 128
	DefaultSandboxCPU           = 1.0
	DefaultSandboxTimeout       = 60 * time.Second
	DefaultSandboxDisk    Bytes = 1 << 30

	SandboxBestEffort = "best-effort"
	SandboxStrict     = "strict"
)

// WithDefaults returns the sandbox with every unset field given its default.
func (s Sandbox) WithDefaults() Sandbox {
	if s.Memory == 0 {
		s.Memory = DefaultSandboxMemory
	}
	if s.Pids == 0 {
		s.Pids = DefaultSandboxPids
	}
	if s.CPU == 0 {
		s.CPU = DefaultSandboxCPU
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(DefaultSandboxTimeout)
	}
	if s.Disk == 0 {
		s.Disk = DefaultSandboxDisk
	}
	if s.Level == "" {
		s.Level = SandboxBestEffort
	}
	return s
}

// Bytes is a size in bytes that reads as an integer or a quantity with a
// binary ("Ki", "Mi", "Gi", "Ti") or decimal ("k", "M", "G", "T") suffix,
// and writes as the shortest exact binary quantity ("512Mi").
type Bytes int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// ParseBytes parses a quantity such as "512Mi", "1G" or "1048576": digits
// only (no sign, no fraction, no spaces), then an optional unit.
func ParseBytes(s string) (Bytes, error) {
	num, mult := s, int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = n, u.mult
			break
		}
	}
	if num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return 0, fmt.Errorf("invalid quantity %q: want digits and an optional unit (Ki, Mi, Gi, Ti, k, M, G, T), such as \"512Mi\"", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("quantity %q is too large", s)
	}
	return Bytes(n * mult), nil
}

// String writes b with the largest binary unit that divides it exactly.
func (b Bytes) String() string {
	for i := 3; i >= 0; i-- {
		u := byteUnits[i]
		if b != 0 && int64(b)%u.mult == 0 {
			return strconv.FormatInt(int64(b)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalJSON writes the quantity as a string.
func (b Bytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// UnmarshalJSON reads a quantity string or a plain integer of bytes.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var n json.Number
		if json.Unmarshal(data, &n) != nil {
			return Errorf(EINVALID, "quantity must be a string such as \"512Mi\" or a number of bytes")
		}
		s = n.String()
	}
	v, err := ParseBytes(s)
	if err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	*b = v
	return nil
}

// Network is a sandbox's egress allowlist: "host:port" entries. It reads
// from the string "none" (no network) or a list.
type Network []string

// UnmarshalJSON reads "none" or a list of strings.
func (n *Network) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		if s != "none" {
			return Errorf(EINVALID, "network must be \"none\" or a list of host:port, got %q", s)
		}
		*n = nil
		return nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return Errorf(EINVALID, "network must be \"none\" or a list of host:port strings")
	}
	*n = list
	return nil
}
