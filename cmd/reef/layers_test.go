package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is the import path of the repository's root.
const module = "github.com/reefhq/reef/"

// layers places every package of the module in a layer, lowest first
// (docs/architecture.md, "The layers"). A package may import packages of
// its own layer or of lower ones, never of a higher one. The longest
// matching path wins: "internal/llm/" (the providers) sits above
// "internal/llm" (the interface).
var layers = []struct {
	layer int
	paths []string
}{
	{0, []string{"internal/claw"}},
	{1, []string{ // leaf helpers: they import only the domain and each other
		"internal/wsfs", "internal/egress", "internal/sse", "internal/live", "internal/schedule",
		"internal/webhook", "internal/diskguard", "internal/wsplace", "internal/wake", "internal/llm",
		"internal/openclaw", "internal/spec", "internal/config", "internal/nodetest",
	}},
	{2, []string{ // the wire types, the storage seam and its backends, providers, the sandbox
		"internal/api", "internal/store", "internal/llm/", "internal/sandbox",
	}},
	{3, []string{"internal/client"}}, // the HTTP client: wire types only (see also TestClientLinksNoServer)
	{4, []string{"internal/workspace", "internal/scheduler", "internal/outbox"}},
	{5, []string{"internal/tool"}},
	{6, []string{"internal/agent"}},
	{7, []string{"internal/supervise"}},
	{8, []string{"internal/httpapi"}},
	{9, []string{"internal/node"}},
	{10, []string{"internal/bench"}},
	{11, []string{"internal/cli"}},
	{12, []string{"cmd/reef"}},
}

// layerOf returns the layer of a package path relative to the module
// root; ok is false for a package the table does not place.
func layerOf(rel string) (layer int, ok bool) {
	best := -1
	for _, l := range layers {
		for _, p := range l.paths {
			match := rel == p || strings.HasPrefix(rel, strings.TrimSuffix(p, "/")+"/")
			if strings.HasSuffix(p, "/") {
				match = strings.HasPrefix(rel, p)
			}
			if match && len(p) > best {
				best, layer, ok = len(p), l.layer, true
			}
		}
	}
	return layer, ok
}

// TestLayers fails when a package imports a package of a higher layer, or
// is missing from the layer table (a new package must be placed).
func TestLayers(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var rows [][2]string
	for dir, names := range goFiles(t, root) {
		if dir == "." || strings.HasPrefix(dir, ".") {
			continue
		}
		rel := filepath.ToSlash(dir)
		from, ok := layerOf(rel)
		imports := map[string]bool{}
		sources := 0
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			sources++
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, dir, name), nil, parser.ImportsOnly)
			if err != nil {
				t.Errorf("parse %s: %v", filepath.Join(dir, name), err)
				continue
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if dep, in := strings.CutPrefix(path, module); in {
					imports[dep] = true
				}
			}
		}
		if sources == 0 {
			continue
		}
		if !ok {
			rows = append(rows, [2]string{rel, "not in the layer table of cmd/reef/layers_test.go and docs/architecture.md: place it"})
			continue
		}
		for dep := range imports {
			to, known := layerOf(dep)
			if known && to > from {
				rows = append(rows, [2]string{rel, fmt.Sprintf("layer %d imports %s of layer %d", from, dep, to)})
			}
		}
	}
	if len(rows) > 0 {
		t.Errorf("imports that run up the layers (move the shared type or function down, or take an interface):\n%s",
			offenders("PACKAGE\tPROBLEM", rows))
	}
}

// wholeStore lists the packages that may take the whole store.Store: the
// node, which opens and wires it, and the store's own packages (the
// backends and the conformance suite). Every other consumer asks for the
// roles it uses.
var wholeStore = []string{"internal/node", "internal/store"}

// TestConsumersTakeRoles fails when a package outside wholeStore names
// store.Store in its non-test code.
func TestConsumersTakeRoles(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var rows [][2]string
	for dir, names := range goFiles(t, root) {
		rel := filepath.ToSlash(dir)
		if slices.ContainsFunc(wholeStore, func(p string) bool { return rel == p || strings.HasPrefix(rel, p+"/") }) {
			continue
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			path := filepath.Join(dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(root, path), nil, 0)
			if err != nil {
				t.Errorf("parse %s: %v", path, err)
				continue
			}
			local := ""
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == module+"internal/store" {
					local = "store"
					if imp.Name != nil {
						local = imp.Name.Name
					}
				}
			}
			if local == "" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Store" {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
					rows = append(rows, [2]string{fmt.Sprintf("%s:%d", path, fset.Position(sel.Pos()).Line), "takes the whole store.Store"})
				}
				return true
			})
		}
	}
	if len(rows) > 0 {
		t.Errorf("consumers that take the whole store (ask for the roles used, e.g. store.Mailbox, or declare a small interface):\n%s",
			offenders("WHERE\tPROBLEM", rows))
	}
}
