package node

import (
	"path/filepath"
	"strings"

	"github.com/reefhq/reef/internal/claw"
)

// systemDirs are host directories a claw's workspace may never be, lie
// in, or contain: the node hands a workspace to the tenant's uid before
// every tool process.
var systemDirs = []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
	"/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var"}

// within reports whether path is dir or lies beneath it (both clean and
// absolute).
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// checkWorkspace refuses a spec workspace that is, lies in or contains the
// node's data directory or a system directory. Both the path as written
// and the path its existing part resolves to are checked, so a link to
// /etc does not pass.
func checkWorkspace(s claw.Spec, dataDir string) []string {
	if s.Workspace == "" {
		return nil
	}
	paths := []string{filepath.Clean(s.Workspace)}
	if real, err := filepath.EvalSymlinks(paths[0]); err == nil && real != paths[0] {
		paths = append(paths, real)
	}
	for _, p := range paths {
		if within(dataDir, p) || within(p, dataDir) {
			return []string{"workspace: " + p + " overlaps the node's data directory; leave workspace unset (workspaces live under DATA/workspaces)"}
		}
		for _, d := range systemDirs {
			if within(p, d) || within(d, p) {
				return []string{"workspace: " + p + " is or holds the system directory " + d + "; leave workspace unset (workspaces live under DATA/workspaces)"}
			}
		}
	}
	return nil
}
