package wsplace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SystemTrees are the directories no workspace and no workspace root may
// be, lie inside or contain: the host's programs, libraries,
// configuration, kernel interfaces, runtime state, logs, package
// databases and root's home.
var SystemTrees = []string{
	"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
	"/lost+found", "/proc", "/root", "/run", "/sbin", "/snap", "/sys", "/usr",
	"/var/backups", "/var/cache", "/var/lib/apt", "/var/lib/dpkg", "/var/lib/systemd",
	"/var/lock", "/var/log", "/var/mail", "/var/run", "/var/spool",
}

// hostDirs are directories that hold other things of the host (every
// user's home, every service's state, everyone's temporary files): a
// workspace may lie inside one under a root the admin lists, but never be
// one.
var hostDirs = []string{"/home", "/media", "/mnt", "/opt", "/srv", "/tmp", "/var", "/var/lib", "/var/tmp"}

// CheckRoot checks a workspace_roots entry: an absolute, clean path that
// is not "/" and neither is, lies inside nor contains a system directory.
// It returns "" when dir may be a root, else why not, naming dir.
func CheckRoot(dir string) string {
	if why := pathShape(dir); why != "" {
		return quote(dir) + " " + why
	}
	if why := systemWhy(dir, false); why != "" {
		return quote(dir) + " " + why
	}
	return ""
}

// pathShape reports a path that is not absolute and clean.
func pathShape(dir string) string {
	switch {
	case dir == "":
		return "is empty"
	case !filepath.IsAbs(dir):
		return "is not an absolute path"
	case filepath.Clean(dir) != dir:
		return fmt.Sprintf("is not a clean path (%s)", filepath.Clean(dir))
	}
	return ""
}

// systemWhy reports a clean absolute path that is "/", is, lies inside or
// contains a system directory, or (with host) is a host directory.
func systemWhy(dir string, host bool) string {
	if dir == "/" {
		return "is the root directory"
	}
	for _, t := range SystemTrees {
		switch {
		case dir == t:
			return "is a system directory"
		case within(dir, t):
			return "lies inside the system directory " + t
		case within(t, dir):
			return "contains the system directory " + t
		}
	}
	if host {
		for _, h := range hostDirs {
			if dir == h {
				return "is a system directory"
			}
		}
	}
	return ""
}

// placement checks a spec workspace against every rule but other claws'
// workspaces: its shape, the system directories, the data directory and
// the roots, as written and then with links resolved. It returns "" when
// dir is allowed, else why not.
func (p *Policy) placement(dir string) string {
	if why := pathShape(dir); why != "" {
		return why
	}
	if why := p.where(dir, p.data, p.roots); why != "" {
		return why
	}
	resolved, err := realPath(dir)
	if err != nil {
		return fmt.Sprintf("cannot be resolved (%v)", err)
	}
	dataReal, err := realPath(p.data)
	if err != nil {
		return fmt.Sprintf("cannot be checked against the data directory (%v)", err)
	}
	var roots []string
	for _, r := range p.roots {
		// A root whose links lead somewhere no root may be holds nothing.
		if rr, err := realPath(r); err == nil && CheckRoot(rr) == "" {
			roots = append(roots, rr)
		}
	}
	if why := p.where(resolved, dataReal, roots); why != "" {
		return fmt.Sprintf("resolves to %s, which %s", quote(resolved), why)
	}
	return ""
}

// where checks a clean absolute path against the system directories,
// the data directory data and the roots.
func (p *Policy) where(dir, data string, roots []string) string {
	if why := systemWhy(dir, true); why != "" {
		return why
	}
	switch {
	case dir == data:
		return "is the data directory"
	case within(dir, data):
		return "lies inside the data directory"
	case within(data, dir):
		return "contains the data directory"
	}
	for _, r := range roots {
		if dir != r && within(dir, r) {
			return ""
		}
	}
	if len(p.roots) == 0 {
		return "is not under a workspace_roots entry (the host config lists none)"
	}
	return fmt.Sprintf("is not strictly under a workspace_roots entry (%s)", strings.Join(p.roots, ", "))
}

// within reports whether the clean absolute path p is dir or lies inside it.
func within(p, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// realPath resolves the links of the existing part of the clean absolute
// path p and appends the part that does not exist yet (which holds no
// links). A link whose target is missing is an error: the directory made
// there later would be its target.
func realPath(p string) (string, error) {
	p = filepath.Clean(p)
	var missing []string
	for {
		_, err := os.Lstat(p)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		missing = append(missing, filepath.Base(p))
		p = parent
	}
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		resolved = filepath.Join(resolved, missing[i])
	}
	return resolved, nil
}
