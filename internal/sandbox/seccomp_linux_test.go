package sandbox

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// runBPF interprets the subset of classic BPF the filter uses over one
// struct seccomp_data.
func runBPF(t *testing.T, prog []unix.SockFilter, nr, arch uint32, arg0 uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.LittleEndian.PutUint32(data[offNr:], nr)
	binary.LittleEndian.PutUint32(data[offArch:], arch)
	binary.LittleEndian.PutUint64(data[offArg0:], arg0)
	var a uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case bpfLdAbsW:
			a = binary.LittleEndian.Uint32(data[ins.K:])
		case bpfJeqK, bpfJsetK, bpfJgeK:
			var cond bool
			switch ins.Code {
			case bpfJeqK:
				cond = a == ins.K
			case bpfJsetK:
				cond = a&ins.K != 0
			default:
				cond = a >= ins.K
			}
			if cond {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case bpfRetK:
			return ins.K
		default:
			t.Fatalf("unexpected BPF instruction %#x at %d", ins.Code, pc)
		}
	}
	t.Fatal("the filter fell off its end")
	return 0
}

func TestSeccompFilter(t *testing.T) {
	t.Parallel()
	arch, extra, err := seccompArch()
	if err != nil {
		t.Skip(err)
	}
	prog := seccompFilter(arch, append(append([]uintptr{}, deniedCommon...), extra...))
	if len(prog) > 4096 {
		t.Fatalf("filter has %d instructions, over the kernel's 4096", len(prog))
	}
	eperm := unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	eafnosupport := unix.SECCOMP_RET_ERRNO | uint32(unix.EAFNOSUPPORT)
	tests := []struct {
		name string
		nr   uintptr
		arch uint32
		arg0 uint64
		want uint32
	}{
		{"read allowed", unix.SYS_READ, arch, 0, unix.SECCOMP_RET_ALLOW},
		{"execve allowed", unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_ALLOW},
		{"mount denied", unix.SYS_MOUNT, arch, 0, eperm},
		{"ptrace denied", unix.SYS_PTRACE, arch, 0, eperm},
		{"bpf denied", unix.SYS_BPF, arch, 0, eperm},
		{"keyctl denied", unix.SYS_KEYCTL, arch, 0, eperm},
		{"finit_module denied", unix.SYS_FINIT_MODULE, arch, 0, eperm},
		{"kexec_load denied", unix.SYS_KEXEC_LOAD, arch, 0, eperm},
		{"unshare denied", unix.SYS_UNSHARE, arch, 0, eperm},
		{"setns denied", unix.SYS_SETNS, arch, 0, eperm},
		{"pivot_root denied", unix.SYS_PIVOT_ROOT, arch, 0, eperm},
		{"fork-like clone allowed", unix.SYS_CLONE, arch, uint64(unix.SIGCHLD), unix.SECCOMP_RET_ALLOW},
		{"thread clone allowed", unix.SYS_CLONE, arch, unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND, unix.SECCOMP_RET_ALLOW},
		{"clone new user namespace denied", unix.SYS_CLONE, arch, unix.CLONE_NEWUSER | uint64(unix.SIGCHLD), eperm},
		{"clone new net namespace denied", unix.SYS_CLONE, arch, unix.CLONE_NEWNET, eperm},
		{"clone new mount namespace denied", unix.SYS_CLONE, arch, unix.CLONE_NEWNS, eperm},
		{"socket AF_UNIX allowed", unix.SYS_SOCKET, arch, unix.AF_UNIX, unix.SECCOMP_RET_ALLOW},
		{"socket AF_INET allowed", unix.SYS_SOCKET, arch, unix.AF_INET, unix.SECCOMP_RET_ALLOW},
		{"socket AF_INET6 allowed", unix.SYS_SOCKET, arch, unix.AF_INET6, unix.SECCOMP_RET_ALLOW},
		{"socketpair AF_UNIX allowed", unix.SYS_SOCKETPAIR, arch, unix.AF_UNIX, unix.SECCOMP_RET_ALLOW},
		{"socket AF_VSOCK refused", unix.SYS_SOCKET, arch, unix.AF_VSOCK, eafnosupport},
		{"socket AF_PACKET refused", unix.SYS_SOCKET, arch, unix.AF_PACKET, eafnosupport},
		{"socket AF_NETLINK refused", unix.SYS_SOCKET, arch, unix.AF_NETLINK, eafnosupport},
		{"socket AF_ALG refused", unix.SYS_SOCKET, arch, unix.AF_ALG, eafnosupport},
		{"socket AF_KEY refused", unix.SYS_SOCKET, arch, unix.AF_KEY, eafnosupport},
		{"socket AF_BLUETOOTH refused", unix.SYS_SOCKET, arch, unix.AF_BLUETOOTH, eafnosupport},
		{"socket AF_XDP refused", unix.SYS_SOCKET, arch, unix.AF_XDP, eafnosupport},
		{"socket family 0 refused", unix.SYS_SOCKET, arch, 0, eafnosupport},
		{"socketpair AF_VSOCK refused", unix.SYS_SOCKETPAIR, arch, unix.AF_VSOCK, eafnosupport},
		{"socket AF_UNIX with a high word refused", unix.SYS_SOCKET, arch, 1<<32 | unix.AF_UNIX, eafnosupport},
		{"socket AF_INET with a high word refused", unix.SYS_SOCKET, arch, 0xffffffff<<32 | unix.AF_INET, eafnosupport},
		{"connect allowed", unix.SYS_CONNECT, arch, unix.AF_VSOCK, unix.SECCOMP_RET_ALLOW},
		{"process_madvise denied", unix.SYS_PROCESS_MADVISE, arch, 0, eperm},
		{"sethostname denied", unix.SYS_SETHOSTNAME, arch, 0, eperm},
		{"clone3 falls back", unix.SYS_CLONE3, arch, 0, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"other architecture killed", unix.SYS_READ, 0x40000003 /* i386 */, 0, unix.SECCOMP_RET_KILL_PROCESS},
	}
	if arch == unix.AUDIT_ARCH_X86_64 {
		tests = append(tests, struct {
			name string
			nr   uintptr
			arch uint32
			arg0 uint64
			want uint32
		}{"x32 call killed", 0x40000000 | unix.SYS_READ, arch, 0, unix.SECCOMP_RET_KILL_PROCESS})
	}
	for _, tt := range tests {
		if got := runBPF(t, prog, uint32(tt.nr), tt.arch, tt.arg0); got != tt.want {
			t.Errorf("%s: filter returns %#x, want %#x", tt.name, got, tt.want)
		}
	}
}
