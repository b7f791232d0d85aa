// Package nodetest runs real third-party JavaScript clients from Go tests:
// the official openai package, the MCP TypeScript SDK and the everything
// reference server, standardwebhooks. They are installed by .ci/run with
// npm into e2e/node_modules (package.json pins them); scripts live in e2e/
// so that their imports resolve there. Tests using them skip when the
// packages are not installed, unless REEF_E2E is set, which makes a missing
// install a failure.
package nodetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Dir returns the absolute e2e directory holding node_modules: $REEF_E2E
// when set, else e2e/ at the module root. It skips t when the packages are
// not installed and REEF_E2E is unset, and fails t when REEF_E2E is set but
// the packages are missing.
func Dir(t testing.TB) string {
	t.Helper()
	dir, required := os.Getenv("REEF_E2E"), true
	if dir == "" {
		required = false
		root, err := moduleRoot()
		if err != nil {
			t.Skipf("nodetest: %v", err)
		}
		dir = filepath.Join(root, "e2e")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		if required {
			t.Fatalf("nodetest: REEF_E2E=%s but its node_modules is missing: run npm ci --prefix %s", dir, dir)
		}
		t.Skipf("nodetest: npm packages not installed (npm ci --prefix e2e, or set REEF_E2E)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("nodetest: node not found: %v", err)
	}
	return dir
}

// Run runs `node e2e/SCRIPT ARGS...` with env added to the environment and
// returns its standard output. It fails t, with the script's standard
// error, when the script exits non-zero or runs past one minute.
func Run(t testing.TB, script string, env []string, args ...string) string {
	t.Helper()
	dir := Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Bin returns the path of an executable installed by npm (node_modules/.bin/NAME).
func Bin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(t), "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("nodetest: %s not installed: %v", name, err)
	}
	return p
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
