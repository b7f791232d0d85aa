package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/sandbox"
)

// TestMain lets the test binary serve as `reef sandbox-exec`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sandbox-exec" {
		os.Exit(sandbox.Main(os.Args[2:], os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "cloexec-child" {
		cloexecChild()
	}
	if len(os.Args) > 1 && os.Args[1] == "socket-families" {
		socketFamilies(os.Stdout)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// requireNamespaces skips a test on hosts without the namespaces it needs.
func requireNamespaces(t *testing.T) []sandbox.Layer {
	t.Helper()
	layers, err := (&sandbox.Runner{}).Probe(t.Context())
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	for _, l := range layers {
		if (l.Name == "userns" || l.Name == "mountns" || l.Name == "pidns" || l.Name == "netns") && !l.Active {
			t.Skipf("no %s on this host (%s)", l.Name, l.Detail)
		}
	}
	return layers
}

// run runs a shell command in a sandbox and returns its output.
func run(t *testing.T, r *sandbox.Runner, cfg sandbox.Config, cmd string) (stdout, stderr string, c *sandbox.Cmd, err error) {
	t.Helper()
	if cfg.Workspace == "" {
		cfg.Workspace = t.TempDir()
	}
	if cfg.Tenant == "" {
		cfg.Tenant, cfg.Claw = "t1", "c1"
	}
	var out, errb bytes.Buffer
	c = r.Command(t.Context(), cfg, "/bin/sh", "-c", cmd)
	c.Stdout, c.Stderr = &out, &errb
	err = c.Run()
	return out.String(), errb.String(), c, err
}

func TestProbeLayers(t *testing.T) {
	t.Parallel()
	layers := requireNamespaces(t)
	if len(layers) != 18 {
		t.Fatalf("probe reports %d layers: %+v", len(layers), layers)
	}
	t.Log(sandbox.Summary(layers))
}

// toolIDs is what `id -u; id -g` prints in a sandbox: the tenant's uid
// (1000 inside) when the node is root, else the node's own, mapped to 0.
func toolIDs() string {
	if os.Geteuid() == 0 {
		return "1000\n1000\n"
	}
	return "0\n0\n"
}

func TestInside(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	r := &sandbox.Runner{Hide: []string{"/etc/hostname"}}
	tests := []struct {
		name, cmd, want string
	}{
		{"no_new_privs", "grep NoNewPrivs /proc/self/status", "NoNewPrivs:\t1"},
		{"seccomp filter", "grep '^Seccomp:' /proc/self/status", "Seccomp:\t2"},
		{"no capabilities", "grep CapEff /proc/self/status", "CapEff:\t0000000000000000"},
		{"empty bounding set", "grep CapBnd /proc/self/status", "CapBnd:\t0000000000000000"},
		{"tenant uid", "id -u; id -g", toolIDs()},
		{"working directory", "pwd", "/workspace\n"},
		{"own pid namespace", "[ $(ls /proc | grep -c '^[0-9]') -le 8 ] && echo few; cat /proc/1/cmdline", "few\nreef-sandbox"},
		{"no network", "cat /proc/net/dev | grep -c :", "1\n"},
		{"usr read-only", "touch /usr/x 2>&1", "Read-only file system"},
		{"root read-only", "touch /x 2>&1", "Read-only file system"},
		{"no /sys, /home, /root", "ls -d /sys /home /root 2>&1 | grep -c 'No such file'", "3\n"},
		{"shadow masked", "cat /etc/shadow 2>&1", "Permission denied"},
		{"hidden path masked", "cat /etc/hostname 2>&1", "Permission denied"},
		{"no unshare", "unshare -r true 2>&1", "Operation not permitted"},
		{"no ptrace", "cat /proc/1/environ 2>&1", "Permission denied"},
		{"tmp writable", "echo x > /tmp/x && cat /tmp/x", "x\n"},
		{"nothing of the node's environment", "env | sort | tr '\\n' ' '", "HOME=/workspace LANG=C.UTF-8 PATH="},
		{"rlimits", "ulimit -n; ulimit -c", "1024\n0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, stderr, _, _ := run(t, r, sandbox.Config{}, tt.cmd)
			if !strings.Contains(out, tt.want) {
				t.Errorf("%s: stdout %q (stderr %q), want it to contain %q", tt.cmd, out, stderr, tt.want)
			}
		})
	}
}

func TestWorkspaceAndExit(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	ws := t.TempDir()
	out, _, _, err := run(t, &sandbox.Runner{}, sandbox.Config{Workspace: ws}, "echo hi > note.txt; mkdir d; echo deep > d/f; exit 3")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v (stdout %q)", err, out)
	}
	for path, want := range map[string]string{"note.txt": "hi\n", "d/f": "deep\n"} {
		if b, err := os.ReadFile(filepath.Join(ws, path)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v", path, b, err)
		}
	}
}

func TestReadOnlyDirectories(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	ro := t.TempDir() // under /tmp, which the sandbox covers with its own
	if err := os.WriteFile(filepath.Join(ro, "lib.txt"), []byte("library\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(ro, "secret")
	if err := os.Mkdir(secret, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &sandbox.Runner{Hide: []string{secret}}
	cmd := fmt.Sprintf("cat %[1]s/lib.txt; touch %[1]s/new 2>&1; ls %[1]s/secret 2>&1 | head -1", ro)
	out, stderr, _, err := run(t, r, sandbox.Config{ReadOnly: []string{ro}}, cmd)
	if err != nil {
		t.Fatalf("%s: %v (stderr %q)", cmd, err, stderr)
	}
	if !strings.HasPrefix(out, "library\n") || !strings.Contains(out, "Read-only file system") || !strings.Contains(out, "Permission denied") {
		t.Fatalf("%s printed %q; want the file, a read-only refusal and the hidden directory refused", cmd, out)
	}
	if _, err := os.Stat(filepath.Join(ro, "new")); !os.IsNotExist(err) {
		t.Fatalf("the sandbox wrote into a read-only directory: %v", err)
	}
}

func TestTimeoutKillsEverything(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	cfg := sandbox.Config{Sandbox: claw.Sandbox{Timeout: claw.Duration(300 * time.Millisecond)}}
	// A background child that outlives its shell must die too.
	_, _, c, err := run(t, &sandbox.Runner{}, cfg, "sleep 60 & sleep 60")
	if err == nil || !c.TimedOut() {
		t.Fatalf("err %v, timed out %v", err, c.TimedOut())
	}
	if err := syscall.Kill(c.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the helper is still alive: %v", err)
	}
}

func TestPipesLongLived(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	c := (&sandbox.Runner{}).Command(t.Context(), sandbox.Config{Tenant: "t1", Claw: "mcp", Workspace: t.TempDir(), Persistent: true,
		Sandbox: claw.Sandbox{Timeout: claw.Duration(time.Millisecond)}}, "cat")
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(out)
	for i := range 3 { // a persistent process outlives the timeout
		fmt.Fprintf(in, "line %d\n", i)
		got, err := rd.ReadString('\n')
		if err != nil || got != fmt.Sprintf("line %d\n", i) {
			t.Fatalf("read %q, %v", got, err)
		}
	}
	in.Close()
	if rest, _ := io.ReadAll(rd); len(rest) != 0 {
		t.Fatalf("extra output %q", rest)
	}
	if err := c.Wait(); err != nil || c.TimedOut() {
		t.Fatalf("wait: %v (timed out %v)", err, c.TimedOut())
	}
}

func TestKill(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	ctx, cancel := context.WithCancel(t.Context())
	c := (&sandbox.Runner{}).Command(ctx, sandbox.Config{Tenant: "t1", Claw: "c1", Workspace: t.TempDir(), Persistent: true}, "sleep", "60")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := c.Wait(); err == nil {
		t.Fatal("a cancelled sandbox exited cleanly")
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	r := &sandbox.Runner{}
	sandbox.WithoutNamespaces(r, syscall.CLONE_NEWNET)
	// Best effort runs without the missing layer and says so.
	out, _, c, err := run(t, r, sandbox.Config{}, "echo ran")
	if err != nil || out != "ran\n" {
		t.Fatalf("best effort: %q, %v", out, err)
	}
	for _, l := range c.Layers {
		if (l.Name == "netns" || l.Name == "network") && l.Active {
			t.Errorf("layer %s reported active: %+v", l.Name, l)
		}
	}
	// Strict refuses, naming the layer, and runs nothing.
	ws := t.TempDir()
	_, _, _, err = run(t, r, sandbox.Config{Workspace: ws, Sandbox: claw.Sandbox{Level: claw.SandboxStrict}}, "touch ran")
	if !errors.Is(err, sandbox.ErrStrict) || !strings.Contains(err.Error(), "netns (not available on this host)") {
		t.Fatalf("strict: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ws, "ran")); !os.IsNotExist(err) {
		t.Fatalf("strict sandbox ran the command: %v", err)
	}
}
