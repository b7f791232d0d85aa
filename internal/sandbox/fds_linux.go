package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseOnExecInherited marks every descriptor above 2 close-on-exec, so
// that a descriptor the process inherited without that flag (a pipe or a
// directory its parent leaked) never reaches a process it starts. The
// node calls it once at start; the sandbox helper calls it again before
// it execs a tool.
func CloseOnExecInherited() error { return closeOnExecFrom(3) }

// closeOnExecFrom sets FD_CLOEXEC on every descriptor from first up:
// close_range(CLOSE_RANGE_CLOEXEC) where the kernel has it (5.11), else
// each descriptor listed in /proc/self/fd, else every number below the
// descriptor limit. Descriptors are marked, not closed, because the Go
// runtime holds some of its own (the poller) that it must keep using
// until exec; exec then closes them all at once.
func closeOnExecFrom(first int) error {
	err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("close_range: %w", err)
	}
	fds, err := openFDs()
	if err != nil {
		var lim unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("list descriptors: %w", err)
		}
		fds = nil
		for fd := 0; uint64(fd) < min(lim.Max, 1<<20); fd++ {
			fds = append(fds, fd)
		}
	}
	for _, fd := range fds {
		if fd < first {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("mark descriptor %d close-on-exec: %w", fd, err)
		}
	}
	return nil
}

// openFDs lists the process's open descriptors from /proc/self/fd.
func openFDs() ([]int, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	fds := make([]int, 0, len(names))
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil {
			fds = append(fds, fd)
		}
	}
	return fds, nil
}
