package config

import (
	"fmt"

	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/wsplace"
)

// validateWorkspaceRoots checks workspace_roots: absolute, clean paths,
// not "/" and not a system directory (wsplace.CheckRoot), each once. They
// need not exist yet.
func validateWorkspaceRoots(roots []string) []spec.Problem {
	var ps []spec.Problem
	seen := map[string]int{}
	for i, r := range roots {
		path := fmt.Sprintf("workspace_roots[%d]", i)
		if why := wsplace.CheckRoot(r); why != "" {
			ps = append(ps, spec.Problem{Path: path, Message: path + ": " + why})
		} else if j, ok := seen[r]; ok {
			ps = append(ps, spec.Problem{Path: path, Message: fmt.Sprintf("%s: duplicate root %s (also workspace_roots[%d])", path, r, j)})
		} else {
			seen[r] = i
		}
	}
	return ps
}
