//go:build unix

package wsfs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK

// visitFunc is called for every entry of a walk (not the top directory)
// with the descriptor of its directory, its name there and its lstat.
type visitFunc func(dirfd int, name string, st *unix.Stat_t) error

// frame is one directory on the walk's path: its identity and the names
// still to visit. Only the deepest directory is open.
type frame struct {
	dev, ino uint64
	names    []string
}

// walk visits every entry beneath dir, depth first, iteratively: it never
// follows a symbolic link, never enters another file system, and holds at
// most two descriptors whatever the depth. It climbs back up with "..",
// checked against the directory it came from; if a tool moved a directory
// meanwhile, the walk stops with ErrChanged instead of going astray.
// visitTop, when set, is called first for dir itself.
func walk(dir string, visitTop func(fd int, st *unix.Stat_t) error, visit visitFunc) error {
	fd, err := unix.Open(dir, dirFlags, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return err
	}
	if visitTop != nil {
		if err := visitTop(fd, &st); err != nil {
			unix.Close(fd)
			return err
		}
	}
	dev := uint64(st.Dev)
	names, err := readNames(fd)
	if err != nil {
		unix.Close(fd)
		return err
	}
	stack := []frame{{dev: dev, ino: uint64(st.Ino), names: names}}
	cur := fd
	defer func() { unix.Close(cur) }()
	for {
		top := &stack[len(stack)-1]
		if len(top.names) == 0 {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil
			}
			up, err := unix.Openat(cur, "..", dirFlags, 0)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrChanged, err)
			}
			unix.Close(cur)
			cur = up
			if err := unix.Fstat(cur, &st); err != nil {
				return err
			}
			if p := stack[len(stack)-1]; uint64(st.Dev) != p.dev || uint64(st.Ino) != p.ino {
				return ErrChanged
			}
			continue
		}
		name := top.names[0]
		top.names = top.names[1:]
		if err := unix.Fstatat(cur, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			continue // gone meanwhile
		}
		if err := visit(cur, name, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR || uint64(st.Dev) != dev {
			continue
		}
		sub, err := unix.Openat(cur, name, dirFlags, 0)
		if err != nil {
			continue // replaced by a link or a file meanwhile, or unreadable
		}
		var sst unix.Stat_t
		if err := unix.Fstat(sub, &sst); err != nil || sst.Dev != st.Dev || sst.Ino != st.Ino {
			unix.Close(sub)
			continue // swapped meanwhile
		}
		names, err := readNames(sub)
		if err != nil {
			unix.Close(sub)
			return err
		}
		unix.Close(cur)
		cur = sub
		stack = append(stack, frame{dev: uint64(sst.Dev), ino: uint64(sst.Ino), names: names})
	}
}

// readNames lists the names in the directory fd, without "." and "..".
func readNames(fd int) ([]string, error) {
	var names []string
	buf := make([]byte, 8<<10)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read directory: %w", err)
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// Usage walks the workspace dir and returns the bytes its files and
// directories allocate on disk (a file with several links counted once),
// without following links. A missing dir uses nothing.
func Usage(dir string) (int64, error) {
	var n int64
	seen := map[[2]uint64]bool{}
	add := func(st *unix.Stat_t) {
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			k := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
			if seen[k] {
				return
			}
			seen[k] = true
		}
		n += int64(st.Blocks) * 512
	}
	err := walk(dir, func(_ int, st *unix.Stat_t) error { add(st); return nil },
		func(_ int, _ string, st *unix.Stat_t) error { add(st); return nil })
	if errors.Is(err, unix.ENOENT) {
		return 0, nil
	}
	return n, err
}

// Chown gives the workspace dir and everything in it to uid and gid,
// without following links (a link itself is chowned). A file with
// several hard links is left alone: one of its links may be outside.
// Any depth works.
func Chown(dir string, uid, gid int) error {
	top := func(fd int, st *unix.Stat_t) error {
		if int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		return unix.Fchown(fd, uid, gid)
	}
	return walk(dir, top, func(dirfd int, name string, st *unix.Stat_t) error {
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			return nil
		}
		if int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		err := unix.Fchownat(dirfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("chown %s: %w", name, err)
		}
		return nil
	})
}
