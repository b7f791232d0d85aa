package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// sweepAge is how old an egress socket directory must be before Sweep
// removes it: another node's proxy, being set up at that moment, has its
// directory a few milliseconds before its socket.
const sweepAge = time.Minute

// Sweep removes what this node's sandboxes left behind when it was
// killed (kill -9, power loss): every cgroup under its Group (whatever
// still runs in one is killed first: no sandbox of this node runs yet
// when it starts), and egress socket directories under SocketDir whose
// socket nobody listens on. Call it once at start, before any sandbox
// runs. It returns how many it removed; the error joins what it could
// not read or remove.
func (r *Runner) Sweep(ctx context.Context) (int, error) {
	var parents []string
	if r.Group != "" {
		parents = groupParents(r.Group)
	}
	age := r.sweepAge
	if age == 0 {
		age = sweepAge
	}
	n1, err1 := sweepCgroups(ctx, parents)
	n2, err2 := sweepSockets(ctx, r.SocketDir, time.Now().Add(-age))
	return n1 + n2, errors.Join(err1, err2)
}

// groupParents returns the directories newCgroup makes a group's
// sandboxes' cgroups in: one for v2, one per controller for v1.
func groupParents(group string) []string {
	own, err := ownCgroups()
	if err != nil {
		return nil
	}
	if isV2(cgroupRoot) {
		return []string{filepath.Join(cgroupRoot, own[""], cgParent(group))}
	}
	var out []string
	for _, ctrl := range []string{"memory", "pids", "cpu"} {
		if p, ok := own[ctrl]; ok {
			out = append(out, filepath.Join(cgroupRoot, ctrl, p, cgParent(group)))
		}
	}
	return out
}

// sweepCgroups kills what is left in each child cgroup of parents and
// removes it.
func sweepCgroups(ctx context.Context, parents []string) (int, error) {
	n := 0
	var errs []error
	for _, parent := range parents {
		entries, err := os.ReadDir(parent)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep cgroups: %w", err))
			continue
		}
		v2 := isV2(parent)
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			if !e.IsDir() {
				continue
			}
			dir := filepath.Join(parent, e.Name())
			cg := &cgroup{dirs: []string{dir}}
			if v2 {
				cg.v2 = dir
			}
			if err := cg.destroy(); err != nil {
				errs = append(errs, fmt.Errorf("sweep cgroup %s: %w", dir, err))
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// sweepSockets removes the egress socket directories (reef-egress-*,
// owned by this process's uid, last changed before the given time) under
// dir whose socket is gone or refuses connections: their proxy died
// with its node.
func sweepSockets(ctx context.Context, dir string, before time.Time) (int, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	matches, err := filepath.Glob(filepath.Join(dir, "reef-egress-*"))
	if err != nil {
		return 0, fmt.Errorf("sweep egress sockets: %w", err)
	}
	n := 0
	for _, d := range matches {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		info, err := os.Lstat(d)
		if err != nil || !info.IsDir() || info.ModTime().After(before) {
			continue
		}
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue // not one of ours (dir may be world-writable)
		}
		if listening(filepath.Join(d, "egress.sock")) {
			continue
		}
		if os.RemoveAll(d) == nil {
			n++
		}
	}
	return n, nil
}

// listening reports whether a process may be accepting connections on
// the unix socket at path: anything but "refused" or "absent" counts.
func listening(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return true
	}
	return !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ENOENT)
}
