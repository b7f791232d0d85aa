package cli_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/cli"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/spec"
)

// TestMain lets the test binary serve `reef sandbox-exec` through the
// command line, as the reef binary does, for nodes whose tools or doctor
// start the sandbox helper (/proc/self/exe).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sandbox-exec" {
		err := cli.Run(context.Background(), cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, os.Args[1:])
		var exit *cli.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.Code)
		}
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	out := b.ok(t, "doctor")
	for _, want := range []string{"Sandbox layers of tools on the node at " + b.node.URL(), "seccomp", "rlimits", "cgroup_memory", "layers active"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if os.Geteuid() == 0 {
		for _, layer := range []string{"userns", "mountns", "pidns", "netns", "seccomp", "rlimits", "cgroup_memory", "cgroup_pids"} {
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == layer && f[1] != "active" {
					t.Errorf("layer %s not active on a root node: %s", layer, line)
				}
			}
		}
	}
	r := b.run(t, "", map[string]string{"REEF_SERVER": "http://127.0.0.1:1"}, "doctor")
	if r.err == nil || !strings.Contains(r.err.Error(), "cannot ask the node at http://127.0.0.1:1") {
		t.Errorf("unreachable node: err %v, stdout %q", r.err, r.stdout)
	}
	if r := b.run(t, "", nil, "sandbox-exec", "x"); exitCode(r.err) != 2 || !strings.Contains(r.stderr, "internal") {
		t.Errorf("sandbox-exec run by hand: %v", r.err)
	}
}

// A claw stored with a workspace the node does not allow (made before
// the rules) is listed by doctor, which then fails.
func TestDoctorWorkspaces(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	sp := claw.Spec{Name: "old", Model: "fake/m1", Workspace: "/etc"}
	canon, err := spec.Canonical(sp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.node.Store.ApplyClaw(t.Context(), claw.DefaultTenant, sp, canon); err != nil {
		t.Fatal(err)
	}
	r := b.run(t, "", nil, "doctor")
	if exitCode(r.err) != 1 {
		t.Fatalf("doctor with a forbidden workspace: err %v, want exit 1", r.err)
	}
	for _, want := range []string{"Claws whose workspace is not allowed", "default/old\tworkspace: /etc is a system directory; workspaces live under DATA/workspaces or a host workspace_roots entry"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
}
