package sandbox_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/sandbox"
)

// TestDiskQuota: one file stops at the quota (RLIMIT_FSIZE), many files
// past it are caught by the usage check after the run, and the next run
// is refused until files are deleted.
func TestDiskQuota(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	tests := []struct {
		name, cmd string
		file      string // a file that must stop at the quota
	}{
		{name: "one big file", cmd: "head -c 20971520 /dev/zero > big", file: "big"},
		{name: "many files", cmd: "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do head -c 1048576 /dev/zero > f$i; done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			r := &sandbox.Runner{}
			cfg := sandbox.Config{Workspace: ws, Sandbox: claw.Sandbox{Disk: 8 << 20}}
			_, _, c, _ := run(t, r, cfg, tt.cmd)
			err := c.DiskQuota()
			if !errors.Is(err, sandbox.ErrDiskQuota) || !strings.Contains(err.Error(), "of 8.0 MiB (sandbox.disk); delete files to continue") {
				t.Fatalf("after %q: DiskQuota() = %v, want the workspace over its 8 MiB quota", tt.cmd, err)
			}
			if tt.file != "" {
				if fi, err := os.Stat(filepath.Join(ws, tt.file)); err != nil || fi.Size() != 8<<20 {
					t.Fatalf("%s: %v, size %d; want it stopped at the quota (8 MiB)", tt.file, err, fi.Size())
				}
			}
			// The next run is refused, and runs nothing.
			_, _, _, err = run(t, r, cfg, "touch ran")
			if !errors.Is(err, sandbox.ErrDiskQuota) || !strings.Contains(err.Error(), "workspace is over its disk quota: ") {
				t.Fatalf("next run: %v, want ErrDiskQuota", err)
			}
			if _, err := os.Stat(filepath.Join(ws, "ran")); !os.IsNotExist(err) {
				t.Fatalf("a refused run ran: %v", err)
			}
			// Deleting files lifts the refusal.
			entries, _ := os.ReadDir(ws)
			for _, e := range entries {
				os.Remove(filepath.Join(ws, e.Name()))
			}
			if out, _, c, err := run(t, r, cfg, "echo ok > small && cat small"); err != nil || out != "ok\n" || c.DiskQuota() != nil {
				t.Fatalf("after deleting: %q, %v, quota %v", out, err, c.DiskQuota())
			}
		})
	}
}

// TestDiskQuotaCap: the Runner's MaxDisk caps a claw's sandbox.disk.
func TestDiskQuotaCap(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	ws := t.TempDir()
	r := &sandbox.Runner{MaxDisk: 4 << 20}
	_, _, c, _ := run(t, r, sandbox.Config{Workspace: ws, Sandbox: claw.Sandbox{Disk: 1 << 30}}, "head -c 10485760 /dev/zero > big")
	if fi, err := os.Stat(filepath.Join(ws, "big")); err != nil || fi.Size() != 4<<20 {
		t.Fatalf("big: %v; want it stopped at the node's cap (4 MiB)", err)
	}
	if c.Limits().Disk != 4<<20 || !errors.Is(c.DiskQuota(), sandbox.ErrDiskQuota) {
		t.Fatalf("limits disk %s, quota %v", c.Limits().Disk, c.DiskQuota())
	}
}

// TestDiskReserve: no process starts while the node is under its reserve.
func TestDiskReserve(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	ws := t.TempDir()
	low := errors.New("disk reserve reached: 1 GiB free")
	r := &sandbox.Runner{Reserve: func() error { return low }}
	_, _, _, err := run(t, r, sandbox.Config{Workspace: ws}, "touch ran")
	if !errors.Is(err, sandbox.ErrDiskReserve) || !errors.Is(err, low) {
		t.Fatalf("start under the reserve: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ws, "ran")); !os.IsNotExist(err) {
		t.Fatalf("a refused run ran: %v", err)
	}
}

// TestTmpSize: /tmp and /dev/shm are tmpfs of min(memory, 256Mi), and
// writing past that fails.
func TestTmpSize(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	tests := []struct {
		name   string
		memory claw.Bytes
		want   string
	}{
		{"default memory", 0, "size=262144k"},
		{"small memory", 64 << 20, "size=65536k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, _, _, err := run(t, &sandbox.Runner{}, sandbox.Config{Sandbox: claw.Sandbox{Memory: tt.memory}},
				"grep -E ' /(tmp|dev/shm) ' /proc/self/mounts")
			if err != nil || strings.Count(out, tt.want) != 2 {
				t.Fatalf("mounts %q, %v; want /tmp and /dev/shm with %s", out, err, tt.want)
			}
		})
	}
	out, _, _, _ := run(t, &sandbox.Runner{}, sandbox.Config{}, "head -c 314572800 /dev/zero > /tmp/big; echo $?; ls -l /tmp/big")
	if !strings.Contains(out, "268435456") || strings.HasPrefix(out, "0\n") {
		t.Fatalf("writing 300 MiB to /tmp: %q; want it to fail at 256 MiB", out)
	}
}
