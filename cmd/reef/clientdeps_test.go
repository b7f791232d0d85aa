package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// clientSide are the packages a program that only talks to a node links:
// the HTTP client and the wire types.
var clientSide = []string{"internal/client", "internal/api"}

// clientMayLink is everything of reef the client side may depend on: the
// domain types, the wire types, wsfs for the upload path bounds the node
// enforces (checked before sending) and sse to read streamed runs.
var clientMayLink = []string{"internal/claw", "internal/api", "internal/client", "internal/wsfs", "internal/sse"}

// TestClientLinksNoServer fails when the client side depends, directly or
// not, on a package of the server (the store, the supervisor, the
// sandbox, the HTTP server, ...).
func TestClientLinksNoServer(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	for _, p := range clientSide {
		args = append(args, "./"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var rows [][2]string
	for _, dep := range strings.Fields(string(out)) {
		rel, ours := strings.CutPrefix(dep, module)
		if ours && !slices.Contains(clientMayLink, rel) {
			rows = append(rows, [2]string{rel, "is server-side: the client must not link it"})
		}
	}
	if len(rows) > 0 {
		t.Errorf("the client side (%s) links server packages (move the shared type to internal/api or internal/claw):\n%s",
			strings.Join(clientSide, ", "), offenders("PACKAGE\tPROBLEM", rows))
	}
}
