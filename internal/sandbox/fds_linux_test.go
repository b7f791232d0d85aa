package sandbox_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
	"golang.org/x/sys/unix"
)

// leak opens a pipe and a directory without close-on-exec, as a parent
// that leaks descriptors to the node would.
func leak(t *testing.T) []*os.File {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := []*os.File{pr, pw, dir}
	for _, f := range files {
		t.Cleanup(func() { f.Close() })
		if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFD, 0); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestToolSeesOnlyStdio: descriptors the node holds without close-on-exec
// do not reach a tool; it has 0, 1 and 2 (and ls its own directory).
func TestToolSeesOnlyStdio(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	leak(t)
	out, stderr, _, err := run(t, &sandbox.Runner{}, sandbox.Config{}, "ls /proc/self/fd | tr '\\n' ' '")
	if err != nil {
		t.Fatalf("ls: %v (stderr %q)", err, stderr)
	}
	// sh's pipe to tr replaces ls's stdout; ls opens /proc/self/fd as 3.
	if out != "0 1 2 3 " {
		t.Fatalf("the tool's descriptors are %q, want only 0 1 2 (and ls's own 3)", out)
	}
}

// TestCloseOnExecInherited: after the call, a program the process execs
// sees none of the descriptors it inherited.
func TestCloseOnExecInherited(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for _, mark := range []bool{false, true} {
		// The test binary in cloexecChild mode inherits the pipe as fd 3
		// and 4 (without close-on-exec: exec.Cmd's ExtraFiles), then execs ls,
		// which opens its directory as the lowest free descriptor.
		cmd := exec.Command(os.Args[0], "cloexec-child")
		if mark {
			cmd.Env = []string{"REEF_TEST_MARK=1"}
		}
		cmd.ExtraFiles = []*os.File{pr, pw}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		got := strings.Fields(string(out))
		switch {
		case mark && strings.Join(got, " ") != "0 1 2 3": // ls's directory is 3
			t.Errorf("marked: the exec'd program has descriptors %q, want 0 1 2 3", got)
		case !mark && (!slices.Contains(got, "3") || !slices.Contains(got, "4")):
			t.Errorf("unmarked: the exec'd program has descriptors %q, want the inherited pipe (3, 4) among them", got)
		}
	}
}

// cloexecChild is the test binary run as `cloexec-child`: it marks its
// descriptors (when asked) and execs ls of its descriptors.
func cloexecChild() {
	if os.Getenv("REEF_TEST_MARK") == "1" {
		if err := sandbox.CloseOnExecInherited(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
	}
	err := unix.Exec("/bin/ls", []string{"ls", "/proc/self/fd"}, nil)
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(1)
}
