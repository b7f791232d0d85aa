package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
	"golang.org/x/sys/unix"
)

// socketCases are the socket families the tool tries: name, family, type.
var socketCases = []struct {
	name       string
	family     int
	typ        int
	pair       bool
	wantInside string // "ok" or the errno's text
}{
	{"unix", unix.AF_UNIX, unix.SOCK_STREAM, false, "ok"},
	{"unix pair", unix.AF_UNIX, unix.SOCK_STREAM, true, "ok"},
	{"inet", unix.AF_INET, unix.SOCK_DGRAM, false, "ok"},
	{"inet6", unix.AF_INET6, unix.SOCK_DGRAM, false, "ok"},
	{"vsock", unix.AF_VSOCK, unix.SOCK_STREAM, false, unix.EAFNOSUPPORT.Error()},
	{"vsock pair", unix.AF_VSOCK, unix.SOCK_STREAM, true, unix.EAFNOSUPPORT.Error()},
	{"packet", unix.AF_PACKET, unix.SOCK_DGRAM, false, unix.EAFNOSUPPORT.Error()},
	{"netlink", unix.AF_NETLINK, unix.SOCK_RAW, false, unix.EAFNOSUPPORT.Error()},
	{"alg", unix.AF_ALG, unix.SOCK_SEQPACKET, false, unix.EAFNOSUPPORT.Error()},
}

// socketFamilies is the test binary run as `socket-families` (the tool):
// it tries each of socketCases and prints "name: ok" or "name: errno".
func socketFamilies(w io.Writer) {
	for _, c := range socketCases {
		var err error
		if c.pair {
			var fds [2]int
			if fds, err = unix.Socketpair(c.family, c.typ|unix.SOCK_CLOEXEC, 0); err == nil {
				unix.Close(fds[0])
				unix.Close(fds[1])
			}
		} else {
			var fd int
			if fd, err = unix.Socket(c.family, c.typ|unix.SOCK_CLOEXEC, 0); err == nil {
				unix.Close(fd)
			}
		}
		res := "ok"
		if err != nil {
			res = err.Error()
		}
		fmt.Fprintf(w, "%s: %s\n", c.name, res)
	}
}

// TestSocketFamilies: inside the sandbox only local and IP sockets can be
// made; VM sockets, packet, netlink and crypto sockets get EAFNOSUPPORT.
func TestSocketFamilies(t *testing.T) {
	t.Parallel()
	requireNamespaces(t)
	// The tool is this test binary, copied where the tenant's uid can
	// read and execute it, mounted read-only into the sandbox.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sandbox.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	c := (&sandbox.Runner{}).Command(t.Context(), sandbox.Config{Tenant: "t1", Claw: "sockets", Workspace: t.TempDir(), ReadOnly: []string{dir}}, bin, "socket-families")
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("tool: %v (stderr %q)", err, errb.String())
	}
	got := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		if name, res, ok := strings.Cut(line, ": "); ok {
			got[name] = res
		}
	}
	inet6 := "ok" // unless the host has no IPv6 at all
	if fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		inet6 = err.Error()
	} else {
		unix.Close(fd)
	}
	for _, tc := range socketCases {
		want := tc.wantInside
		if tc.name == "inet6" {
			want = inet6
		}
		if got[tc.name] != want {
			t.Errorf("%s socket inside the sandbox: %q, want %q", tc.name, got[tc.name], want)
		}
	}
}
