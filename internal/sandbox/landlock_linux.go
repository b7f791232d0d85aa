package sandbox

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock filesystem rights by ABI version.
const (
	llExecute    = unix.LANDLOCK_ACCESS_FS_EXECUTE
	llWriteFile  = unix.LANDLOCK_ACCESS_FS_WRITE_FILE
	llReadFile   = unix.LANDLOCK_ACCESS_FS_READ_FILE
	llReadDir    = unix.LANDLOCK_ACCESS_FS_READ_DIR
	llV1         = 1<<13 - 1 // execute .. make_sym
	llRefer      = unix.LANDLOCK_ACCESS_FS_REFER
	llTruncate   = unix.LANDLOCK_ACCESS_FS_TRUNCATE
	llIoctlDev   = 1 << 15 // LANDLOCK_ACCESS_FS_IOCTL_DEV, ABI 5
	llCreateFlag = unix.LANDLOCK_CREATE_RULESET_VERSION
)

// landlockABI returns the kernel's Landlock ABI version, or an error
// saying why there is none.
func landlockABI() (int, error) {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, llCreateFlag)
	switch {
	case errno == unix.ENOSYS:
		return 0, errors.New("the kernel has no Landlock (CONFIG_SECURITY_LANDLOCK)")
	case errno == unix.EOPNOTSUPP:
		return 0, errors.New("the kernel has Landlock built in but disabled (add landlock to the lsm= boot parameter)")
	case errno != 0:
		return 0, errno
	}
	return int(v), nil
}

// applyLandlock restricts this thread (and what it execs) to reading and
// executing everywhere, and writing only in the workspace, /tmp and /dev.
func applyLandlock(rep *reporter, workspace string) error {
	abi, err := landlockABI()
	if err != nil {
		rep.missing("landlock", err.Error())
		return nil
	}
	handled := uint64(llV1)
	if abi >= 2 {
		handled |= llRefer
	}
	if abi >= 3 {
		handled |= llTruncate
	}
	if abi >= 5 {
		handled |= llIoctlDev
	}
	attr := unix.LandlockRulesetAttr{Handled_access_fs: handled}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), 8, 0) // only handled_access_fs: every ABI knows it
	if errno != 0 {
		return fmt.Errorf("landlock ruleset: %w", errno)
	}
	defer unix.Close(int(fd))
	read := uint64(llExecute | llReadFile | llReadDir)
	rules := []struct {
		path   string
		access uint64
	}{
		{"/", read},
		{workspace, handled},
		{"/tmp", handled},
		{"/dev", read | llWriteFile | (handled & (llTruncate | llIoctlDev))},
	}
	for _, r := range rules {
		pfd, err := unix.Open(r.path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // absent in this root
		}
		rule := unix.LandlockPathBeneathAttr{Allowed_access: r.access & handled, Parent_fd: int32(pfd)}
		_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, fd, unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0)
		unix.Close(pfd)
		if errno != 0 {
			return fmt.Errorf("landlock rule %s: %w", r.path, errno)
		}
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return fmt.Errorf("landlock restrict_self: %w", errno)
	}
	rep.active("landlock", fmt.Sprintf("ABI %d: read and execute anywhere visible; write only in the workspace, /tmp and /dev", abi))
	return nil
}
