package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// maxLines is the length past which a Go file must be split (STYLE.md:
// "split well before 1,000").
const maxLines = 1000

// moduleRoot is the repository root, two levels above cmd/reef.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

// goFiles returns the module's .go files by directory (relative to root),
// skipping .git, testdata and vendor.
func goFiles(t *testing.T, root string) map[string][]string {
	t.Helper()
	dirs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".go") && d.Type().IsRegular() {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			dirs[rel] = append(dirs[rel], d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// offenders formats rows of (path, problem) as a table.
func offenders(header string, rows [][2]string) string {
	slices.SortFunc(rows, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	w.Flush()
	return b.String()
}

// TestPackageDocs fails when a package has no doc comment on any of its
// non-test files.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var rows [][2]string
	for dir, names := range goFiles(t, root) {
		var sources []string
		documented := false
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			sources = append(sources, name)
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Errorf("parse %s: %v", filepath.Join(dir, name), err)
				continue
			}
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
			}
		}
		if len(sources) > 0 && !documented {
			rows = append(rows, [2]string{dir, fmt.Sprintf("no package doc comment in its %d non-test files", len(sources))})
		}
	}
	if len(rows) > 0 {
		t.Errorf("packages without a doc comment (add one, e.g. in doc.go: \"// Package x ...\"):\n%s",
			offenders("PACKAGE\tPROBLEM", rows))
	}
}

// TestFileLength fails when a .go file, tests included, is over maxLines
// lines long.
func TestFileLength(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var rows [][2]string
	for dir, names := range goFiles(t, root) {
		for _, name := range names {
			path := filepath.Join(dir, name)
			data, err := os.ReadFile(filepath.Join(root, path))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(string(data), "\n")
			if len(data) > 0 && data[len(data)-1] != '\n' {
				lines++
			}
			if lines > maxLines {
				rows = append(rows, [2]string{path, fmt.Sprintf("%d lines", lines)})
			}
		}
	}
	if len(rows) > 0 {
		t.Errorf("Go files over %d lines (split them):\n%s", maxLines, offenders("FILE\tLENGTH", rows))
	}
}
