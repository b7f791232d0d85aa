package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// docsTestInfo marks a fenced shell block of the docs that TestDocs runs:
// "```sh docs-test".
const docsTestInfo = "sh docs-test"

// docBlock is one marked block of a doc.
type docBlock struct {
	file  string
	line  int // of the opening fence
	lines []string
}

// docBlocks returns the marked blocks of README.md and docs/*.md.
func docBlocks(t *testing.T, root string) []docBlock {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var blocks []docBlock
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		var cur *docBlock
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch {
			case cur == nil && strings.TrimSpace(line) == "```"+docsTestInfo:
				cur = &docBlock{file: rel, line: n}
			case cur != nil && strings.TrimSpace(line) == "```":
				blocks = append(blocks, *cur)
				cur = nil
			case cur != nil:
				cur.lines = append(cur.lines, line)
			}
		}
	}
	return blocks
}

// expectations are the texts a block's "# -> TEXT" comments say its
// commands print.
func expectations(lines []string) []string {
	var out []string
	for _, l := range lines {
		if _, want, ok := strings.Cut(l, "# -> "); ok {
			out = append(out, strings.TrimSpace(want))
		}
	}
	return out
}

// TestDocs runs every "sh docs-test" block of README.md and docs/ in a
// fresh directory, line by line in one bash (as a reader pastes them),
// with the binary this test builds standing for `go build -o reef
// ./cmd/reef`, and checks what its "# ->" comments say it prints. The
// node a block starts listens on a free port (REEF_ADDR, REEF_SERVER).
func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	root := moduleRoot(t)
	blocks := docBlocks(t, root)
	if len(blocks) == 0 {
		t.Fatal("no docs-test block in README.md or docs/")
	}
	bin := buildReef(t)
	for _, b := range blocks {
		t.Run(fmt.Sprintf("%s:%d", b.file, b.line), func(t *testing.T) {
			dir := t.TempDir()
			var script strings.Builder
			script.WriteString("set -e\n")
			for _, l := range b.lines {
				if strings.HasPrefix(strings.TrimSpace(l), "go build -o reef ./cmd/reef") {
					l = "cp \"$REEF_DOCS_BIN\" reef"
				}
				script.WriteString(l + "\n")
			}
			script.WriteString("wait\n") // the node a block started and stopped
			addr := freeAddr(t)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "REEF_DOCS_BIN="+bin, "REEF_ADDR="+addr, "REEF_SERVER=http://"+addr)
			out, err := cmd.CombinedOutput()
			if err != nil {
				log, _ := os.ReadFile(filepath.Join(dir, "reef.log"))
				t.Fatalf("%s:%d: %v\n%s\nnode log:\n%s", b.file, b.line, err, out, log)
			}
			for _, want := range expectations(b.lines) {
				if !strings.Contains(string(out), want) {
					t.Errorf("%s:%d: the output does not show %q:\n%s", b.file, b.line, want, out)
				}
			}
		})
	}
}
