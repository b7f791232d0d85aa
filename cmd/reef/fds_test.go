package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServeMarksInheritedDescriptors: `reef serve` started with
// descriptors its parent leaked (no close-on-exec) marks them
// close-on-exec at start, so no tool process it starts inherits them.
func TestServeMarksInheritedDescriptors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	cmd := exec.Command(buildReef(t), "serve", "--data", filepath.Join(t.TempDir(), "data"), "--addr", freeAddr(t))
	cmd.ExtraFiles = []*os.File{pr, dir} // fds 3 and 4, inherited without close-on-exec
	node := startServe(t, cmd)
	for _, fd := range []int{3, 4} {
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", node.Process.Pid, fd))
		if err != nil {
			t.Fatalf("fd %d: %v", fd, err)
		}
		flags := fdFlags(t, string(info))
		if flags&0o2000000 == 0 { // O_CLOEXEC
			t.Errorf("fd %d of the node has flags %#o: not close-on-exec", fd, flags)
		}
	}
}

// fdFlags reads the "flags:" line (octal) of a /proc/PID/fdinfo file.
func fdFlags(t *testing.T, info string) int64 {
	t.Helper()
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no flags in fdinfo %q", info)
	return 0
}
