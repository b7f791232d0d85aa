package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Paths inside the sandbox.
const (
	insideWorkspace = "/workspace"
	insideEgress    = "/run/reef/egress.sock"
	proxyAddr       = "127.0.0.1:3128"
)

// Main is `reef sandbox-exec`: the helper the node starts in new
// namespaces. It is internal: it reads its instructions from descriptors
// the node passes and is useless on its own. It returns the exit code.
func Main(args []string, stderr io.Writer) int {
	stage2 := len(args) == 1 && args[0] == "stage2"
	var st unix.Stat_t
	if (len(args) > 0 && !stage2) || unix.Fstat(fdConfig, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		fmt.Fprintln(stderr, "reef sandbox-exec is internal: the node runs it to sandbox tools (see reef doctor)")
		return 2
	}
	rep := &reporter{w: os.NewFile(fdReport, "report")}
	// Descriptors the node leaked to the helper (any it inherited without
	// close-on-exec) go no further than this process.
	if err := closeOnExecFrom(3); err != nil {
		rep.line(reportLine{Error: err.Error()})
		return 125
	}
	var hc helperConfig
	cf := os.NewFile(fdConfig, "config")
	if err := json.NewDecoder(cf).Decode(&hc); err != nil {
		rep.line(reportLine{Error: "read sandbox config: " + err.Error()})
		return 125
	}
	cf.Close()
	rep.strict = hc.Strict
	var err error
	if stage2 {
		if err = runStage2(rep, &hc); err == nil {
			return 0 // a probe: nothing to exec
		}
	} else {
		var code int
		code, err = runInit(rep, &hc)
		if err == nil {
			return code
		}
	}
	rep.line(reportLine{Error: err.Error()})
	return 125
}

// runInit is the sandbox's first process (pid 1 with a pid namespace):
// it builds the root, brings up loopback and the egress forwarder, starts
// stage 2 (which drops privileges and execs the tool), reaps orphans, and
// exits with the tool's status.
func runInit(rep *reporter, hc *helperConfig) (int, error) {
	ns := hc.Namespaces
	if ns&unix.CLONE_NEWNS != 0 {
		if err := buildRoot(rep, hc); err != nil {
			return 0, err
		}
	} else {
		rep.missing("filesystem", "no mount namespace: the tool sees the host's files, limited by its uid and Landlock")
		rep.missing("tmp", "no mount namespace: /tmp is the host's")
	}
	if ns&unix.CLONE_NEWUTS != 0 {
		unix.Sethostname([]byte("reef-sandbox"))
	}
	if ns&unix.CLONE_NEWNET != 0 {
		if err := loopbackUp(); err != nil {
			return 0, fmt.Errorf("bring up loopback: %w", err)
		}
		if hc.Egress {
			ln, err := net.Listen("tcp", proxyAddr)
			if err != nil {
				return 0, fmt.Errorf("egress forwarder: %w", err)
			}
			go forward(ln, insideEgress)
			rep.active("network", "only the node's egress proxy, at http://"+proxyAddr+" (HTTP_PROXY), which enforces the allowlist")
		} else {
			rep.active("network", "none: an empty network namespace")
		}
	} else {
		rep.missing("network", "no network namespace: the tool shares the host's network")
	}

	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command("/proc/self/exe", "sandbox-exec", "stage2")
	cmd.Args[0] = "reef-sandbox"
	cmd.Env = []string{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{r, os.NewFile(fdReport, "report")}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start stage 2: %w", err)
	}
	r.Close()
	hc2 := *hc
	hc2.Stage2, hc2.Missing = true, rep.missed
	json.NewEncoder(w).Encode(hc2)
	w.Close()
	os.NewFile(fdReport, "report").Close()
	os.Stdin.Close()
	os.Stdout.Close()
	os.Stderr.Close()

	pid := cmd.Process.Pid
	for {
		var st unix.WaitStatus
		got, err := unix.Wait4(-1, &st, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 125, nil
		}
		if got != pid {
			continue // an orphan re-parented to us
		}
		if st.Signaled() {
			return 128 + int(st.Signal()), nil
		}
		return st.ExitStatus(), nil
	}
}

// loopbackUp sets the "lo" interface of the new network namespace up.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// forward copies each connection to the proxy's listener to a new
// connection to the node's egress socket.
func forward(ln net.Listener, socket string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("unix", socket)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { io.Copy(up, c); up.(*net.UnixConn).CloseWrite(); done <- struct{}{} }()
			go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

// runStage2 drops every privilege on one OS thread and execs the tool
// from it: rlimits, the tool's uid, an empty capability bounding set,
// no_new_privs, Landlock and seccomp, in that order.
func runStage2(rep *reporter, hc *helperConfig) error {
	runtime.LockOSThread() // never unlocked: the restricted thread execs
	unix.CloseOnExec(fdReport)
	home := insideWorkspace
	if hc.Namespaces&unix.CLONE_NEWNS == 0 {
		home = hc.Workspace
	}
	unix.Close(fdWorkspace)
	if err := os.Chdir(home); err != nil {
		return fmt.Errorf("enter workspace: %w", err)
	}
	if err := setRlimits(rep, hc); err != nil {
		return err
	}
	if err := dropPrivileges(rep, hc); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	rep.active("no_new_privs", "set: exec cannot gain privileges (setuid binaries, file capabilities)")
	if err := applyLandlock(rep, home); err != nil {
		return err
	}
	if err := applySeccomp(rep); err != nil {
		return err
	}
	if m := append(hc.Missing, rep.missed...); hc.Strict && len(m) > 0 {
		return fmt.Errorf("%v: missing %s", ErrStrict, strings.Join(m, ", "))
	}
	env := toolEnv(hc, home)
	if hc.Probe {
		rep.line(reportLine{Ready: true})
		return nil
	}
	if len(hc.Argv) == 0 {
		return errors.New("no command")
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			os.Setenv("PATH", v)
		}
	}
	path, err := exec.LookPath(hc.Argv[0])
	if err != nil {
		return fmt.Errorf("find %s: %w", hc.Argv[0], err)
	}
	// The tool gets 0, 1 and 2 only: every other descriptor (the report
	// pipe after "ready", the Go runtime's own) closes at exec.
	if err := closeOnExecFrom(3); err != nil {
		return err
	}
	rep.line(reportLine{Ready: true})
	err = syscall.Exec(path, hc.Argv, env)
	return fmt.Errorf("exec %s: %w", path, err)
}

// toolEnv is the tool's whole environment: nothing of the node's.
func toolEnv(hc *helperConfig, home string) []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home, "TMPDIR=/tmp", "LANG=C.UTF-8", "USER=reef",
	}
	if hc.Egress {
		p := "http://" + proxyAddr
		env = append(env, "HTTP_PROXY="+p, "HTTPS_PROXY="+p, "http_proxy="+p, "https_proxy="+p, "ALL_PROXY="+p, "NO_PROXY=", "no_proxy=")
	}
	return append(env, hc.Env...)
}

func setRlimits(rep *reporter, hc *helperConfig) error {
	// The largest file a tool may write is the workspace quota, so that
	// one file cannot take more than the whole quota (the usage check
	// after the run catches many smaller ones).
	fsize := uint64(max(hc.Memory, 64<<20)) * 4
	if hc.Disk > 0 {
		fsize = uint64(hc.Disk)
	}
	limits := []struct {
		res  int
		name string
		cur  uint64
	}{
		{unix.RLIMIT_CORE, "core", 0},
		{unix.RLIMIT_NOFILE, "nofile", 1024},
		{unix.RLIMIT_NPROC, "nproc", uint64(hc.Pids)},
		{unix.RLIMIT_FSIZE, "fsize", fsize},
		{unix.RLIMIT_MEMLOCK, "memlock", 64 << 10},
	}
	var set []string
	for _, l := range limits {
		var old unix.Rlimit
		unix.Getrlimit(l.res, &old)
		v := min(l.cur, old.Max)
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: v, Max: v}); err != nil {
			rep.missing("rlimits", fmt.Sprintf("setrlimit %s: %v", l.name, err))
			return nil
		}
		set = append(set, fmt.Sprintf("%s=%d", l.name, v))
	}
	rep.active("rlimits", strings.Join(set, " "))
	return nil
}

// capLast is the highest capability number this code knows to drop; the
// kernel's own is read from /proc and takes precedence.
const capLast = 63

func dropPrivileges(rep *reporter, hc *helperConfig) error {
	bounding := "bounding, "
	for c := 0; c <= capLast; c++ {
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EPERM) && os.Getuid() != 0 {
			// No CAP_SETPCAP: an unprivileged helper without a user
			// namespace, whose exec cannot gain capabilities anyway.
			bounding = ""
			break
		}
		if err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if hc.Switch {
		if err := unix.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setresgid(hc.GID, hc.GID, hc.GID); err != nil {
			return fmt.Errorf("setresgid %d: %w", hc.GID, err)
		}
		if err := syscall.Setresuid(hc.UID, hc.UID, hc.UID); err != nil {
			return fmt.Errorf("setresuid %d: %w", hc.UID, err)
		}
	} else if os.Getuid() == 0 {
		// Still uid 0 (of the user namespace): exec must not hand root
		// its capabilities back.
		const noRoot = 1<<0 | 1<<1 // SECBIT_NOROOT and its lock
		if err := unix.Prctl(unix.PR_SET_SECUREBITS, noRoot, 0, 0, 0); err != nil {
			return fmt.Errorf("securebits: %w", err)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("clear capabilities: %w", err)
	}
	rep.active("capabilities", fmt.Sprintf("none: %sambient, permitted and effective sets empty; uid %d", bounding, os.Getuid()))
	return nil
}
