package sandbox_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
)

// TestSweep: leftovers of this node's sandboxes (an empty cgroup, one
// with a process still in it, a dead egress socket, a socket directory
// without a socket) are removed; another node's cgroup and a live egress
// socket are kept.
func TestSweep(t *testing.T) {
	t.Parallel()
	var b [4]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	r := &sandbox.Runner{Group: "sweep-test-" + id, SocketDir: t.TempDir()}
	sandbox.SweepAnyAge(r)
	want := 0

	// Egress socket directories: dead, empty, live.
	listen := func(name string) *net.UnixListener {
		t.Helper()
		d := filepath.Join(r.SocketDir, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(d, "egress.sock"), Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		ln.SetUnlinkOnClose(false)
		return ln
	}
	listen("reef-egress-dead").Close() // its node died: the socket stays, refusing
	live := listen("reef-egress-live")
	defer live.Close()
	if err := os.Mkdir(filepath.Join(r.SocketDir, "reef-egress-empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	want += 2

	// Cgroups (one parent for v2, one per controller for v1), where this
	// host lets the node make them.
	var sleeper *exec.Cmd
	var mine, others []string
	parents, otherParents := sandbox.GroupParents(r.Group), sandbox.GroupParents("sweep-other-"+id)
	if os.Geteuid() == 0 && len(parents) > 0 {
		sleeper = exec.Command("sleep", "60")
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sleeper.Process.Kill() })
		for i := range parents {
			for _, p := range []string{parents[i], otherParents[i]} {
				if err := os.MkdirAll(p, 0o755); err != nil {
					t.Fatalf("make cgroup %s: %v", p, err)
				}
				t.Cleanup(func() { os.Remove(p) })
			}
			empty, busy, other := filepath.Join(parents[i], "t.c-empty"), filepath.Join(parents[i], "t.c-busy"), filepath.Join(otherParents[i], "t.c-other")
			for _, d := range []string{empty, busy, other} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Remove(d) })
			}
			if err := os.WriteFile(filepath.Join(busy, "cgroup.procs"), []byte(strconv.Itoa(sleeper.Process.Pid)), 0); err != nil {
				t.Fatal(err)
			}
			mine, others = append(mine, empty, busy), append(others, other)
		}
		want += len(mine)
	}

	n, err := r.Sweep(t.Context())
	t.Logf("swept %d leftovers (cgroups checked: %v)", n, sleeper != nil)
	if err != nil || n != want {
		t.Fatalf("Sweep = %d, %v; want %d removed", n, err, want)
	}
	for _, gone := range append([]string{filepath.Join(r.SocketDir, "reef-egress-dead"), filepath.Join(r.SocketDir, "reef-egress-empty")}, mine...) {
		if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", gone, err)
		}
	}
	for _, kept := range append([]string{filepath.Join(r.SocketDir, "reef-egress-live", "egress.sock")}, others...) {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s removed: %v", kept, err)
		}
	}
	if sleeper != nil {
		if err := sleeper.Wait(); err == nil {
			t.Error("the process left in a swept cgroup still ran to its end")
		}
	}
}
