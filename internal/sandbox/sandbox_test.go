package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
)

// TestMain lets the test binary serve as `reef sandbox-exec`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sandbox-exec" {
		os.Exit(sandbox.Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func TestProbe(t *testing.T) {
	t.Parallel()
	r := &sandbox.Runner{}
	layers, err := r.Probe(context.Background())
	for _, l := range layers {
		t.Logf("%-14s %-5v %s", l.Name, l.Active, l.Detail)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	r := &sandbox.Runner{}
	ws := t.TempDir()
	var out, errb bytes.Buffer
	c := r.Command(context.Background(), sandbox.Config{Tenant: "t1", Claw: "c1", Workspace: ws}, "/bin/sh", "-c", "id; pwd; echo hi > note.txt; cat note.txt; ls /; cat /etc/shadow; hostname")
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	t.Logf("err=%v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	b, err := os.ReadFile(ws + "/note.txt")
	if err != nil || strings.TrimSpace(string(b)) != "hi" {
		t.Fatalf("note.txt: %q %v", b, err)
	}
}
