//go:build unix

package wsfs

import "syscall"

// Open flags: never block on a FIFO or a device while opening it, and
// refuse a non-directory where a directory is wanted.
const (
	openNoBlock   = syscall.O_NONBLOCK | syscall.O_NOCTTY
	openDirectory = syscall.O_DIRECTORY
)

var errNotDir error = syscall.ENOTDIR
