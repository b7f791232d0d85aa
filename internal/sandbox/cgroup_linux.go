package sandbox

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const cgroupRoot = "/sys/fs/cgroup"

// cgroup is one sandbox's cgroup: one directory per v1 controller, or one
// v2 directory.
type cgroup struct {
	v2   string            // the v2 directory, if v2 is used
	v1   map[string]string // controller -> directory
	dirs []string          // every directory made, deepest last
}

// ownCgroups reads /proc/self/cgroup: controller -> path ("" for v2).
func ownCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for c := range strings.SplitSeq(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

func isV2(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// newCgroup makes the cgroup for one sandbox with the given limits and
// reports the memory, pids and cpu layers. A controller that cannot be
// used is reported missing with the reason; the others still apply.
func newCgroup(group, name string, memory int64, pids int, cpu float64) (*cgroup, []Layer) {
	var b [6]byte
	rand.Read(b[:])
	leaf := name + "-" + hex.EncodeToString(b[:])
	own, err := ownCgroups()
	if err != nil {
		return nil, cgMissing("cannot read /proc/self/cgroup: " + err.Error())
	}
	cg := &cgroup{v1: map[string]string{}}
	if isV2(cgroupRoot) {
		return cg, cg.setupV2(own[""], cgParent(group), leaf, memory, pids, cpu)
	}
	var layers []Layer
	set := func(ctrl, layer string, files map[string]string, detail string) {
		base := filepath.Join(cgroupRoot, ctrl)
		if !isV1(base, ctrl) {
			layers = append(layers, Layer{Name: layer, Detail: "no cgroup v1 " + ctrl + " hierarchy at " + base + " and no cgroup v2 at " + cgroupRoot})
			return
		}
		dir := filepath.Join(base, own[ctrl], cgParent(group), leaf)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			layers = append(layers, Layer{Name: layer, Detail: "cannot create " + dir + ": " + errText(err)})
			return
		}
		cg.dirs = append(cg.dirs, dir)
		for _, k := range sortedKeys(files) {
			if err := os.WriteFile(filepath.Join(dir, k), []byte(files[k]), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
				layers = append(layers, Layer{Name: layer, Detail: "cannot set " + k + ": " + errText(err)})
				return
			}
		}
		cg.v1[ctrl] = dir
		layers = append(layers, Layer{Name: layer, Active: true, Detail: detail + " (cgroup v1)"})
	}
	set("memory", "cgroup_memory", map[string]string{"memory.limit_in_bytes": itoa(memory)}, "memory limit "+fmtBytes(memory))
	if d, ok := cg.v1["memory"]; ok { // no swap beyond the limit, where swap accounting exists
		os.WriteFile(filepath.Join(d, "memory.memsw.limit_in_bytes"), []byte(itoa(memory)), 0)
	}
	set("pids", "cgroup_pids", map[string]string{"pids.max": strconv.Itoa(pids)}, "at most "+strconv.Itoa(pids)+" processes")
	set("cpu", "cgroup_cpu", map[string]string{"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": strconv.Itoa(int(cpu * 100000))}, fmt.Sprintf("%g CPU", cpu))
	return cg, layers
}

func isV1(dir, ctrl string) bool {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "cgroup.procs"))
	return err == nil
}

func (cg *cgroup) setupV2(own, sub, leaf string, memory int64, pids int, cpu float64) []Layer {
	parent := filepath.Join(cgroupRoot, own, sub)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return cgMissing("cannot create " + parent + ": " + errText(err))
	}
	// Delegate the controllers down to the sandboxes' parent, level by
	// level from the node's own cgroup (fails when the node's own cgroup
	// holds processes and is not the root: cgroup v2's "no internal
	// processes" rule).
	enable := "+memory +pids +cpu"
	os.WriteFile(filepath.Join(cgroupRoot, own, "cgroup.subtree_control"), []byte(enable), 0)
	level := filepath.Join(cgroupRoot, own)
	for part := range strings.SplitSeq(sub, "/") {
		level = filepath.Join(level, part)
		os.WriteFile(filepath.Join(level, "cgroup.subtree_control"), []byte(enable), 0)
	}
	ctrls, _ := os.ReadFile(filepath.Join(parent, "cgroup.controllers"))
	have := strings.Fields(string(ctrls))
	dir := filepath.Join(parent, leaf)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return cgMissing("cannot create " + dir + ": " + errText(err))
	}
	cg.v2, cg.dirs = dir, []string{dir}
	var layers []Layer
	set := func(ctrl, layer, detail string, files ...string) {
		if !contains(have, ctrl) {
			parentCtrls, _ := os.ReadFile(filepath.Join(cgroupRoot, own, "cgroup.subtree_control"))
			layers = append(layers, Layer{Name: layer, Detail: fmt.Sprintf("cgroup v2 controller %s is not delegated to %s (enabled: %q)", ctrl, parent, strings.TrimSpace(string(parentCtrls)))})
			return
		}
		for i := 0; i+1 < len(files); i += 2 {
			if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0); err != nil {
				layers = append(layers, Layer{Name: layer, Detail: "cannot set " + files[i] + ": " + errText(err)})
				return
			}
		}
		layers = append(layers, Layer{Name: layer, Active: true, Detail: detail + " (cgroup v2)"})
	}
	set("memory", "cgroup_memory", "memory limit "+fmtBytes(memory), "memory.max", itoa(memory), "memory.swap.max", "0")
	set("pids", "cgroup_pids", "at most "+strconv.Itoa(pids)+" processes", "pids.max", strconv.Itoa(pids))
	set("cpu", "cgroup_cpu", fmt.Sprintf("%g CPU", cpu), "cpu.max", fmt.Sprintf("%d 100000", int(cpu*100000)))
	return layers
}

// cgParent is the parent of sandboxes' cgroups, below the node's own:
// reef-sandbox, or reef-sandbox/GROUP for a Runner with a Group.
func cgParent(group string) string {
	if group == "" {
		return "reef-sandbox"
	}
	return "reef-sandbox/" + group
}

func cgMissing(why string) []Layer {
	return []Layer{{Name: "cgroup_memory", Detail: why}, {Name: "cgroup_pids", Detail: why}, {Name: "cgroup_cpu", Detail: why}}
}

// add moves pid into the cgroup.
func (cg *cgroup) add(pid int) error {
	if cg == nil {
		return nil
	}
	p := []byte(strconv.Itoa(pid))
	if cg.v2 != "" {
		return os.WriteFile(filepath.Join(cg.v2, "cgroup.procs"), p, 0)
	}
	for ctrl, dir := range cg.v1 {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), p, 0); err != nil {
			return fmt.Errorf("join cgroup %s: %w", ctrl, err)
		}
	}
	return nil
}

// oomKilled reports whether the kernel killed a process for the memory limit.
func (cg *cgroup) oomKilled() bool {
	if cg == nil {
		return false
	}
	file := filepath.Join(cg.v2, "memory.events")
	if cg.v2 == "" {
		d, ok := cg.v1["memory"]
		if !ok {
			return false
		}
		file = filepath.Join(d, "memory.oom_control")
	}
	b, _ := os.ReadFile(file)
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" && f[1] != "0" {
			return true
		}
	}
	return false
}

// destroy kills whatever is left in the cgroup and removes it.
func (cg *cgroup) destroy() error {
	if cg == nil {
		return nil
	}
	if cg.v2 != "" {
		os.WriteFile(filepath.Join(cg.v2, "cgroup.kill"), []byte("1"), 0)
	}
	var err error
	deadline := time.Now().Add(2 * time.Second)
	for i := len(cg.dirs) - 1; i >= 0; i-- {
		dir := cg.dirs[i]
		for {
			killAll(dir)
			err = os.Remove(dir)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond) // processes killed by the kernel are still exiting
		}
	}
	return err
}

func killAll(dir string) {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for f := range strings.FieldsSeq(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func fmtBytes(n int64) string {
	for _, u := range []struct {
		s string
		m int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10)
}
