package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// systemDirs are mounted read-only in the sandbox's root when they exist.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}

// masked are paths under systemDirs replaced by an empty file or
// directory: secrets a tool has no business reading even if permissions
// allowed it.
var masked = []string{
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
	"/etc/ssh", "/etc/ssl/private", "/etc/reef", "/etc/machine-id",
}

// devices are bind-mounted from the host's /dev.
var devices = []string{"null", "zero", "full", "random", "urandom", "tty"}

// buildRoot makes the tool's filesystem: a fresh tmpfs root holding
// read-only system directories, /dev with a few devices, a new /proc,
// a private /tmp and the workspace (read-write) at /workspace; the node's
// data directory, other workspaces and everything else of the host are
// simply absent. Then pivot_root into it and detach the old root.
func buildRoot(rep *reporter, hc *helperConfig) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	src, err := openSources(hc)
	if err != nil {
		return err
	}
	// The new root is built over a directory of our private mount
	// namespace; sources under it were opened before it is covered.
	root := "/tmp"
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=1m"); err != nil {
		return fmt.Errorf("mount root tmpfs: %w", err)
	}
	if err := mountSystemDirs(root); err != nil {
		return err
	}
	blank := filepath.Join(root, ".masked")
	if err := os.WriteFile(blank, nil, 0); err != nil {
		return err
	}
	if err := mountDev(root, hc); err != nil {
		return err
	}
	// /proc: a new one when the pid namespace is ours.
	if hc.Namespaces&unix.CLONE_NEWPID != 0 {
		if err := mkdirMount("proc", filepath.Join(root, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return err
		}
	}
	// /tmp
	if err := mkdirMount("tmpfs", filepath.Join(root, "tmp"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777,size="+strconv.FormatInt(tmpOf(hc), 10)); err != nil {
		return err
	}
	rep.active("tmp", "a private tmpfs of at most "+fmtBytes(tmpOf(hc))+" (and /dev/shm as much), charged to the memory limit, gone when the process ends")
	// Read-only directories go on top, after /tmp, which may hold them.
	for i, p := range hc.ReadOnly {
		err := attachRO(src.readOnly[i], hc.ReadOnlyTree[i], filepath.Join(root, p))
		unix.Close(src.readOnly[i])
		if err != nil {
			return fmt.Errorf("read-only directory %s: %w", p, err)
		}
	}
	// Secrets and hidden paths are masked last, so that they stay masked
	// under every directory mounted above.
	for _, m := range append(append([]string{}, masked...), hc.Hide...) {
		mask(root, m, blank)
	}
	if err := mountWorkspace(root, hc, src); err != nil {
		return err
	}
	if err := enterRoot(root); err != nil {
		return err
	}
	hidden := "the node's data directory, other workspaces, /root, /home and the rest of the host are absent"
	rep.active("filesystem", "minimal read-only root ("+strings.Join(systemDirs, " ")+" read-only, secrets masked); only /workspace and /tmp are writable; "+hidden)
	return nil
}

// sources are the descriptors of what the new root mounts from the host:
// the workspace, the egress socket (-1 when none) and the read-only
// directories.
type sources struct {
	workspace, egress int
	readOnly          []int
}

// openSources opens what the new root mounts from the host. Without
// detached mounts they are opened by path now, in this mount namespace,
// before /tmp (which may hold them) is covered; they are bound from the
// descriptors.
func openSources(hc *helperConfig) (sources, error) {
	src := sources{egress: -1}
	var err error
	if src.workspace, err = sourceFD(fdWorkspace, hc.WorkspaceTree, hc.Workspace); err != nil {
		return src, fmt.Errorf("open workspace: %w", err)
	}
	if hc.Egress {
		if src.egress, err = sourceFD(fdEgress, hc.EgressTree, hc.EgressPath); err != nil {
			return src, fmt.Errorf("open egress socket: %w", err)
		}
	}
	src.readOnly = make([]int, len(hc.ReadOnly))
	for i, p := range hc.ReadOnly {
		if i >= len(hc.ReadOnlyFDs) || i >= len(hc.ReadOnlyTree) {
			return src, fmt.Errorf("read-only directory %s: no descriptor", p)
		}
		fd, err := sourceFD(hc.ReadOnlyFDs[i], hc.ReadOnlyTree[i], p)
		if err != nil {
			return src, fmt.Errorf("open read-only directory %s: %w", p, err)
		}
		src.readOnly[i] = fd
	}
	return src, nil
}

// mountSystemDirs binds the system directories read-only under root, and
// recreates those that are links (merged /usr: /bin -> usr/bin).
func mountSystemDirs(root string) error {
	for _, d := range systemDirs {
		fi, err := os.Lstat(d)
		if err != nil {
			continue
		}
		dst := filepath.Join(root, d)
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(d)
			if err == nil {
				err = os.Symlink(target, dst)
			}
			if err != nil {
				return fmt.Errorf("link %s: %w", d, err)
			}
			continue
		}
		if err := bindRO(d, dst, true); err != nil {
			return err
		}
	}
	return nil
}

// mountDev makes a read-only /dev with only the harmless devices, the
// standard links and a private /dev/shm.
func mountDev(root string, hc *helperConfig) error {
	dev := filepath.Join(root, "dev")
	if err := mkdirMount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k"); err != nil {
		return err
	}
	for _, d := range devices {
		dst := filepath.Join(dev, d)
		if err := os.WriteFile(dst, nil, 0o644); err != nil {
			return err
		}
		if err := unix.Mount("/dev/"+d, dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", d, err)
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		os.Symlink(target, filepath.Join(dev, name))
	}
	if err := mkdirMount("tmpfs", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size="+strconv.FormatInt(tmpOf(hc), 10)); err != nil {
		return err
	}
	unix.Mount("", dev, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC, "")
	return nil
}

// mountWorkspace attaches /workspace, and the egress socket when the tool
// has network, from the descriptors the node opened.
func mountWorkspace(root string, hc *helperConfig, src sources) error {
	ws := filepath.Join(root, insideWorkspace)
	if err := os.Mkdir(ws, 0o755); err != nil {
		return err
	}
	if err := attach(src.workspace, hc.WorkspaceTree, ws); err != nil {
		return fmt.Errorf("mount workspace: %w", err)
	}
	unix.Mount("", ws, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_NOSUID|unix.MS_NODEV|lockedFlags(ws), "")
	if !hc.Egress {
		return nil
	}
	dst := filepath.Join(root, insideEgress)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, nil, 0o600); err != nil {
		return err
	}
	if err := attach(src.egress, hc.EgressTree, dst); err != nil {
		return fmt.Errorf("mount egress socket: %w", err)
	}
	unix.Close(fdEgress)
	return nil
}

// enterRoot pivots into root, detaches the host's root and makes the new
// one read-only.
func enterRoot(root string) error {
	old := filepath.Join(root, ".old")
	if err := os.Mkdir(old, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host's root: %w", err)
	}
	os.Remove("/.old")
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("make root read-only: %w", err)
	}
	return nil
}

// tmpOf is the size of the sandbox's /tmp and /dev/shm: the node's
// choice, or the memory limit from an older node.
func tmpOf(hc *helperConfig) int64 {
	if hc.Tmp > 0 {
		return hc.Tmp
	}
	return hc.Memory
}

// sourceFD returns the descriptor to mount from: the node's detached
// mount as is, or path opened here (O_PATH) when the node could not make
// one (open_tree needs privilege the node may lack).
func sourceFD(fd int, tree bool, path string) (int, error) {
	if tree {
		return fd, nil
	}
	return unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
}

// attach mounts the detached mount fd at dst, or bind-mounts what fd
// refers to there.
func attach(fd int, tree bool, dst string) error {
	if tree {
		return unix.MoveMount(fd, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH)
	}
	return unix.Mount("/proc/self/fd/"+strconv.Itoa(fd), dst, "", unix.MS_BIND|unix.MS_REC, "")
}

// attachRO attaches fd (as attach does) at dst, made first, read-only.
func attachRO(fd int, tree bool, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := attach(fd, tree, dst); err != nil {
		return err
	}
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID)
	if err := unix.Mount("", dst, "", flags|lockedFlags(dst), ""); err != nil {
		return fmt.Errorf("make read-only: %w", err)
	}
	return nil
}

func mkdirMount(src, dst, fstype string, flags uintptr, data string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(src, dst, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", fstype, dst, err)
	}
	return nil
}

// bindRO bind-mounts src on dst read-only, keeping the flags the kernel
// locks on mounts inherited by a user namespace.
func bindRO(src, dst string, dir bool) error {
	if dir {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID)
	if err := unix.Mount("", dst, "", flags|lockedFlags(dst), ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", src, err)
	}
	return nil
}

// lockedFlags returns the mount flags of the mount at path that a remount
// must keep.
func lockedFlags(path string) uintptr {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0
	}
	var f uintptr
	for _, m := range []struct{ st, ms int64 }{
		{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
		{unix.ST_RDONLY, unix.MS_RDONLY},
	} {
		if st.Flags&m.st != 0 {
			f |= uintptr(m.ms)
		}
	}
	return f
}

// mask hides path (relative to the host) under root: an empty, read-only
// tmpfs that only root may enter over a directory, an empty file nobody
// may read over a file, so reading it fails with "permission denied".
func mask(root, path, blank string) {
	dst := filepath.Join(root, path)
	fi, err := os.Stat(dst)
	if err != nil {
		return
	}
	if fi.IsDir() {
		unix.Mount("tmpfs", dst, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=4k,mode=0700")
		return
	}
	unix.Mount(blank, dst, "", unix.MS_BIND, "")
}
