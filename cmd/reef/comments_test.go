package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"testing"
)

// planningRef matches a comment that points at the project's planning
// instead of saying what the code does: an issue number or a section of
// the design notes, which the reader of the code does not have.
var planningRef = regexp.MustCompile(`(?i:\bissue\s*#?\d+)|\bDESIGN\b|§`)

// TestCommentsStandAlone fails when a comment in Go code refers to an
// issue number or a design section.
func TestCommentsStandAlone(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var rows [][2]string
	for dir, names := range goFiles(t, root) {
		for _, name := range names {
			path := filepath.Join(dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(root, path), nil, parser.ParseComments)
			if err != nil {
				t.Errorf("parse %s: %v", path, err)
				continue
			}
			for _, g := range f.Comments {
				for _, c := range g.List {
					if m := planningRef.FindString(c.Text); m != "" {
						rows = append(rows, [2]string{fmt.Sprintf("%s:%d", path, fset.Position(c.Pos()).Line), fmt.Sprintf("%q", m)})
					}
				}
			}
		}
	}
	if len(rows) > 0 {
		t.Errorf("comments that refer to an issue or a design section (say what the code does instead):\n%s",
			offenders("WHERE\tREFERENCE", rows))
	}
}
