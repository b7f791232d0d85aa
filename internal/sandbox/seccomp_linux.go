package sandbox

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// deniedCommon are the system calls a tool gets EPERM for on every
// architecture: mounting, new namespaces, tracing other processes, BPF,
// kexec, kernel modules, the kernel keyring, and other host-wide knobs
// (docs/security.md compares the list with Docker's and Codex's).
var deniedCommon = []uintptr{
	unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT, unix.SYS_CHROOT,
	unix.SYS_FSOPEN, unix.SYS_FSCONFIG, unix.SYS_FSMOUNT, unix.SYS_FSPICK, unix.SYS_MOVE_MOUNT, unix.SYS_OPEN_TREE, unix.SYS_OPEN_TREE_ATTR, unix.SYS_MOUNT_SETATTR,
	unix.SYS_UNSHARE, unix.SYS_SETNS, unix.SYS_SETHOSTNAME, unix.SYS_SETDOMAINNAME,
	unix.SYS_PTRACE, unix.SYS_PROCESS_VM_READV, unix.SYS_PROCESS_VM_WRITEV, unix.SYS_PROCESS_MADVISE, unix.SYS_KCMP, unix.SYS_PIDFD_GETFD,
	unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN, unix.SYS_USERFAULTFD,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD,
	unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_REBOOT, unix.SYS_SWAPON, unix.SYS_SWAPOFF, unix.SYS_SYSLOG, unix.SYS_ACCT, unix.SYS_QUOTACTL, unix.SYS_QUOTACTL_FD,
	unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME, unix.SYS_CLOCK_ADJTIME, unix.SYS_ADJTIMEX,
	unix.SYS_OPEN_BY_HANDLE_AT, unix.SYS_NAME_TO_HANDLE_AT,
	unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
	unix.SYS_FANOTIFY_INIT, unix.SYS_LOOKUP_DCOOKIE,
}

// allowedFamilies are the only socket families a tool may create (socket
// and socketpair): local sockets and IP in the sandbox's network
// namespace. Every other family (AF_VSOCK, which reaches the host or a
// hypervisor past the network namespace; AF_PACKET; AF_NETLINK; AF_ALG;
// AF_KEY; Bluetooth; ...) gets EAFNOSUPPORT, as if the kernel lacked it.
var allowedFamilies = []uint32{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6}

// namespaceFlags are the clone flags that make new namespaces.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// BPF opcodes.
const (
	bpfLdAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJsetK  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfJgeK   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	bpfRetK   = unix.BPF_RET | unix.BPF_K
)

// Offsets in struct seccomp_data.
const (
	offNr     = 0
	offArch   = 4
	offArg0   = 16 // low 32 bits on little-endian machines
	offArg0Hi = offArg0 + 4
)

// seccompArch returns the audit arch and the extra denied calls of the
// running architecture.
func seccompArch() (arch uint32, extra []uintptr, err error) {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64, archDenied, nil
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64, archDenied, nil
	}
	return 0, nil, fmt.Errorf("no seccomp filter for %s", runtime.GOARCH)
}

// seccompFilter assembles the filter: other architectures are killed
// (x32 calls too), denied calls and clone with a namespace flag get
// EPERM, socket and socketpair of a family outside allowedFamilies get
// EAFNOSUPPORT, clone3 gets ENOSYS (its flags are behind a pointer the
// filter cannot read, so libc falls back to clone), everything else is
// allowed.
func seccompFilter(arch uint32, denied []uintptr) []unix.SockFilter {
	errno := func(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e)&unix.SECCOMP_RET_DATA }
	f := []unix.SockFilter{
		{Code: bpfLdAbsW, K: offArch},
		{Code: bpfJeqK, Jt: 1, Jf: 0, K: arch},
		{Code: bpfRetK, K: unix.SECCOMP_RET_KILL_PROCESS},
		{Code: bpfLdAbsW, K: offNr},
	}
	if arch == unix.AUDIT_ARCH_X86_64 {
		f = append(f,
			unix.SockFilter{Code: bpfJgeK, Jt: 0, Jf: 1, K: 0x40000000}, // __X32_SYSCALL_BIT
			unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_KILL_PROCESS})
	}
	for _, nr := range denied {
		f = append(f,
			unix.SockFilter{Code: bpfJeqK, Jt: 0, Jf: 1, K: uint32(nr)},
			unix.SockFilter{Code: bpfRetK, K: errno(unix.EPERM)})
	}
	f = append(f, familyFilter(errno(unix.EAFNOSUPPORT))...)
	f = append(f,
		unix.SockFilter{Code: bpfJeqK, Jt: 0, Jf: 1, K: uint32(unix.SYS_CLONE3)},
		unix.SockFilter{Code: bpfRetK, K: errno(unix.ENOSYS)},
		unix.SockFilter{Code: bpfJeqK, Jt: 0, Jf: 3, K: uint32(unix.SYS_CLONE)},
		unix.SockFilter{Code: bpfLdAbsW, K: offArg0},
		unix.SockFilter{Code: bpfJsetK, Jt: 0, Jf: 1, K: namespaceFlags},
		unix.SockFilter{Code: bpfRetK, K: errno(unix.EPERM)},
		unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_ALLOW},
	)
	return f
}

// familyFilter is the filter's part for socket and socketpair (the
// accumulator holds the call's number): the domain, a 64-bit argument,
// must have a zero high word and a low word in allowedFamilies, else
// the call returns deny. Other calls fall through with the accumulator
// unchanged.
func familyFilter(deny uint32) []unix.SockFilter {
	n := uint8(len(allowedFamilies))
	f := []unix.SockFilter{
		{Code: bpfJeqK, Jt: 1, Jf: 0, K: uint32(unix.SYS_SOCKET)},
		{Code: bpfJeqK, Jt: 0, Jf: 5 + n, K: uint32(unix.SYS_SOCKETPAIR)}, // past the block
		{Code: bpfLdAbsW, K: offArg0Hi},
		{Code: bpfJeqK, Jt: 0, Jf: 2 + n, K: 0}, // to deny
		{Code: bpfLdAbsW, K: offArg0},
	}
	for i, fam := range allowedFamilies {
		left := n - uint8(i) - 1 // family tests after this one
		f = append(f, unix.SockFilter{Code: bpfJeqK, Jt: left, Jf: 0, K: fam})
	}
	// The last test falls through to deny when it fails: jump over allow.
	f[len(f)-1].Jf = 1
	return append(f,
		unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_ALLOW},
		unix.SockFilter{Code: bpfRetK, K: deny})
}

// applySeccomp installs the filter on this thread (no_new_privs is set).
func applySeccomp(rep *reporter) error {
	arch, extra, err := seccompArch()
	if err != nil {
		rep.missing("seccomp", err.Error())
		return nil
	}
	denied := append(append([]uintptr{}, deniedCommon...), extra...)
	f := seccompFilter(arch, denied)
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		if errors.Is(errno, unix.EINVAL) || errors.Is(errno, unix.ENOSYS) {
			rep.missing("seccomp", "the kernel has no seccomp filters (CONFIG_SECCOMP_FILTER): "+errno.Error())
			return nil
		}
		return fmt.Errorf("seccomp: %w", errno)
	}
	rep.active("seccomp", fmt.Sprintf("%d system calls denied (mount, ptrace, bpf, kexec, modules, keyctl, unshare/setns, clone with namespace flags, ...); sockets only AF_UNIX, AF_INET, AF_INET6", len(denied)+2))
	return nil
}
