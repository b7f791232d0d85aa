//go:build linux && arm64

package sandbox

import "golang.org/x/sys/unix"

// archDenied are the arm64-only calls denied besides deniedCommon.
var archDenied = []uintptr{unix.SYS_VHANGUP, unix.SYS_NFSSERVCTL}
