package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/egress"
	"github.com/reefhq/reef/internal/wsfs"
	"golang.org/x/sys/unix"
)

// Cmd is one sandboxed process. Set Stdin, Stdout and Stderr (or use the
// pipe methods) before Start, as with exec.Cmd.
type Cmd struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Layers holds, after Start, every layer and whether it is in force.
	Layers []Layer

	r      *Runner
	cfg    Config
	sb     claw.Sandbox
	quota  claw.Bytes // the workspace's, in force
	disk   error      // after Wait: the workspace over its quota
	argv   []string
	probe  bool
	ctx    context.Context
	cancel context.CancelCauseFunc
	cmd    *exec.Cmd
	cg     *cgroup
	proxy  *egress.Listener
	once   sync.Once
	oom    bool
	waited bool
	exited chan struct{}
	// closeAfter holds the child's ends of the pipe methods' pipes.
	closeAfter []*os.File
}

// errTimeout is the cause of a sandbox's context when its timeout passes.
var errTimeout = errors.New("sandbox timeout")

// Command returns a Cmd that runs argv (argv[0] looked up in the
// sandbox's PATH) with cfg's limits. ctx ends the process when done.
func (r *Runner) Command(ctx context.Context, cfg Config, argv ...string) *Cmd {
	return &Cmd{r: r, cfg: cfg, sb: cfg.Sandbox.WithDefaults(), quota: r.quota(cfg.Sandbox), argv: argv, ctx: ctx}
}

// StdinPipe returns a pipe to the process's standard input.
func (c *Cmd) StdinPipe() (io.WriteCloser, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stdin = pr
	c.closeAfter = append(c.closeAfter, pr)
	return pw, nil
}

// StdoutPipe returns a pipe from the process's standard output. Read it
// to EOF before Wait.
func (c *Cmd) StdoutPipe() (io.ReadCloser, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stdout = pw
	c.closeAfter = append(c.closeAfter, pw)
	return pr, nil
}

// Pid is the helper's process id (the process group and, with a pid
// namespace, the namespace's init: killing it ends everything inside).
func (c *Cmd) Pid() int {
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Kill ends the whole sandbox at once.
func (c *Cmd) Kill() error {
	if pid := c.Pid(); pid > 0 {
		return syscall.Kill(-pid, syscall.SIGKILL)
	}
	return nil
}

// TimedOut reports, after Wait, whether the sandbox's timeout killed it.
func (c *Cmd) TimedOut() bool { return c.waited && errors.Is(context.Cause(c.ctx), errTimeout) }

// OOMKilled reports, after Wait, whether the kernel killed a process of the
// sandbox for exceeding its memory limit.
func (c *Cmd) OOMKilled() bool { return c.oom }

// Limits returns the limits in force (the claw's with defaults, the disk
// quota capped by the Runner's MaxDisk).
func (c *Cmd) Limits() claw.Sandbox {
	sb := c.sb
	sb.Disk = c.quota
	return sb
}

// DiskQuota reports, after Wait, whether the process left the workspace
// at or over its quota: an error wrapping ErrDiskQuota that says how much
// it uses, for the model to read. The next Start is refused until files
// are deleted.
func (c *Cmd) DiskQuota() error { return c.disk }

// Run starts the process and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// uidBase is the first host uid given to tenants' tools: far above the
// ranges /etc/subuid hands out. Slot n owns uids base+2n (tools) and
// base+2n+1 (the sandbox's init).
const uidBase = 1 << 30

// tenantIDs returns the host uid of a tenant's tools and the one of its
// sandboxes' init, from the tenant's slot (or, without Slots, a hash of
// its name).
func (r *Runner) tenantIDs(ctx context.Context, tenant string) (tool, init uint32, err error) {
	slot := -1
	if v, ok := r.slots.Load(tenant); ok {
		slot = v.(int)
	} else if r.Slots != nil {
		if slot, err = r.Slots(ctx, tenant); err != nil {
			return 0, 0, fmt.Errorf("sandbox slot of tenant %s: %w", tenant, err)
		}
		if slot < 0 || slot >= 1<<29 {
			return 0, 0, fmt.Errorf("sandbox slot %d of tenant %s out of range", slot, tenant)
		}
		r.slots.Store(tenant, slot)
	}
	if slot < 0 {
		h := fnv.New32a()
		h.Write([]byte(tenant))
		slot = int(h.Sum32() % (1 << 28))
	}
	base := uint32(uidBase + 2*slot)
	return base, base + 1, nil
}

// insideUID is the tool's uid (and gid) inside the user namespace.
const insideUID = 1000

// Start starts the helper, waits until it has applied every layer and
// exec'd the tool, and fills Layers. Under level strict a missing layer
// is an error wrapping ErrStrict, and nothing runs.
//
// Its phases, in order: arm the time limit; open the workspace (after the
// disk checks); give it to the tenant's uid; start the egress proxy; make
// the cgroup; open the read-only directories; start the helper in its
// namespaces; configure it; wait for its report; watch the time limit.
func (c *Cmd) Start() (err error) {
	if c.cmd != nil {
		return errors.New("sandbox: already started")
	}
	strict := c.sb.Level == claw.SandboxStrict
	c.arm()
	defer func() {
		if err != nil {
			c.cleanup()
		}
	}()
	// The files the helper inherits; the node's copies close when Start
	// returns, after the helper has its own.
	var inherited []*os.File
	defer func() {
		for _, f := range inherited {
			f.Close()
		}
	}()
	ws, wsTree, err := c.openWorkspace()
	if err != nil {
		return err
	}
	inherited = append(inherited, ws)
	hc := helperConfig{Argv: c.argv, Env: c.cfg.Env, Probe: c.probe, Strict: strict, Memory: int64(c.sb.Memory), Pids: c.sb.Pids, Hide: c.r.Hide,
		Disk: int64(c.quota), Tmp: tmpSize(c.sb.Memory),
		ReadOnly: c.cfg.ReadOnly, Workspace: c.cfg.Workspace, WorkspaceTree: wsTree}
	root := os.Geteuid() == 0
	toolID, initID, err := c.r.tenantIDs(c.ctx, c.cfg.Tenant)
	if err != nil {
		return err
	}
	uid, err := c.giveWorkspace(root, toolID)
	if err != nil {
		return err
	}
	layers := []Layer{uid}
	egressFile, err := c.startEgress(&hc, root, initID)
	if err != nil {
		return err
	}
	var cgLayers []Layer
	c.cg, cgLayers = newCgroup(c.r.Group, cgName(c.cfg), int64(c.sb.Memory), c.sb.Pids, c.sb.CPU)
	layers = append(layers, cgLayers...)

	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return err
	}
	inherited = append(inherited, cfgR, cfgW)
	repR, repW, err := os.Pipe()
	if err != nil {
		return err
	}
	inherited = append(inherited, repR, repW)
	extra := []*os.File{cfgR, repW, ws}
	if egressFile != nil {
		inherited = append(inherited, egressFile)
		extra = append(extra, egressFile)
	}
	ro, err := openReadOnly(&hc, c.cfg.ReadOnly, 3+len(extra))
	inherited = append(inherited, ro...)
	if err != nil {
		return err
	}
	extra = append(extra, ro...)

	nsLayers, err := c.startHelper(extra, root, toolID, initID, &hc)
	if err != nil {
		return err
	}
	layers = append(layers, nsLayers...)
	cfgR.Close()
	repW.Close()
	if err := c.configureHelper(&hc, layers, strict, cfgW); err != nil {
		return err
	}
	if err := c.awaitHelper(repR, layers, strict); err != nil {
		return err
	}
	c.watch()
	return nil
}

// arm derives the command's context with its wall-time limit (none for a
// persistent process or a probe).
func (c *Cmd) arm() {
	timeout := c.sb.Timeout.Std()
	if c.cfg.Persistent || c.probe {
		timeout = 0
	}
	c.ctx, c.cancel = context.WithCancelCause(c.ctx)
	if timeout > 0 {
		ctx, cancel := context.WithTimeoutCause(c.ctx, timeout, errTimeout)
		parent := c.cancel
		c.ctx, c.cancel = ctx, func(err error) { cancel(); parent(err) }
	}
}

// openWorkspace checks the disk (quota and node reserve, not for a probe)
// and opens the workspace as the mount the helper attaches.
func (c *Cmd) openWorkspace() (*os.File, bool, error) {
	if c.cfg.Workspace == "" {
		return nil, false, errors.New("sandbox: no workspace")
	}
	if !c.probe {
		if err := c.r.checkStart(c.cfg.Workspace, c.quota); err != nil {
			return nil, false, fmt.Errorf("sandbox: %w", err)
		}
	}
	ws, tree, err := openMount(c.cfg.Workspace)
	if err != nil {
		return nil, false, fmt.Errorf("sandbox: open workspace: %w", err)
	}
	return ws, tree, nil
}

// giveWorkspace hands the workspace to the tenant's tool uid when the
// node runs as root, and reports the uid layer.
func (c *Cmd) giveWorkspace(root bool, toolID uint32) (Layer, error) {
	if !root {
		return Layer{Name: "uid", Detail: fmt.Sprintf("the node runs as uid %d, not root, so tools keep its uid", os.Geteuid())}, nil
	}
	if err := wsfs.Chown(c.cfg.Workspace, int(toolID), int(toolID)); err != nil {
		return Layer{}, fmt.Errorf("sandbox: give the workspace to the tenant's uid: %w", err)
	}
	return Layer{Name: "uid", Active: true, Detail: fmt.Sprintf("tenant %s runs tools as host uid/gid %d (uid %d inside), owning only its workspaces", c.cfg.Tenant, toolID, insideUID)}, nil
}

// startEgress starts the claw's egress proxy when its spec allows hosts,
// and returns its socket opened as the mount the helper attaches (nil
// when the tool has no network).
func (c *Cmd) startEgress(hc *helperConfig, root bool, initID uint32) (*os.File, error) {
	if len(c.sb.Network) == 0 || c.probe {
		return nil, nil
	}
	rules, err := egress.ParseRules(c.sb.Network)
	if err != nil {
		return nil, fmt.Errorf("sandbox: network: %w", err)
	}
	d := &egress.Dialer{Tenant: c.cfg.Tenant, Claw: c.cfg.Claw, Policy: egress.Policy{Rules: rules}, Resolver: c.r.Resolver, Log: c.r.log()}
	c.proxy, err = egress.ListenUnix(c.r.SocketDir, egress.NewProxy(d))
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if root { // the helper's init connects as the tenant's init uid
		if err := c.proxy.Chown(int(initID), int(initID)); err != nil {
			return nil, fmt.Errorf("sandbox: egress socket: %w", err)
		}
	}
	f, tree, err := openMount(c.proxy.Path)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open egress socket: %w", err)
	}
	hc.EgressTree, hc.Egress, hc.EgressPath = tree, true, c.proxy.Path
	return f, nil
}

// openReadOnly opens the read-only directories as detached mounts the
// helper attaches even where the tenant's uid could not reach them, as
// the helper's descriptors from firstFD on. The files opened before an
// error are returned with it, to be closed.
func openReadOnly(hc *helperConfig, dirs []string, firstFD int) ([]*os.File, error) {
	var files []*os.File
	for _, p := range dirs {
		f, tree, err := openMount(p)
		if err != nil {
			return files, fmt.Errorf("sandbox: open read-only directory: %w", err)
		}
		hc.ReadOnlyFDs = append(hc.ReadOnlyFDs, firstFD+len(files))
		hc.ReadOnlyTree = append(hc.ReadOnlyTree, tree)
		files = append(files, f)
	}
	return files, nil
}

// configureHelper refuses, under level strict, a start that already
// misses a layer; then puts the helper in its cgroup and sends it its
// configuration.
func (c *Cmd) configureHelper(hc *helperConfig, layers []Layer, strict bool, cfgW *os.File) error {
	if m := missing(layers); strict && len(m) > 0 {
		c.Layers = sortLayers(layers)
		c.Kill()
		c.cmd.Wait()
		c.waited = true
		return fmt.Errorf("sandbox: %w: missing %s", ErrStrict, strings.Join(m, ", "))
	}
	if err := c.cg.add(c.cmd.Process.Pid); err != nil {
		c.Kill()
		c.cmd.Wait()
		return fmt.Errorf("sandbox: %w", err)
	}
	b, _ := json.Marshal(hc)
	if _, err := cfgW.Write(b); err != nil {
		c.Kill()
		c.cmd.Wait()
		return fmt.Errorf("sandbox: configure helper: %w", err)
	}
	cfgW.Close()
	return nil
}

// awaitHelper reads the helper's report of the layers it applied until it
// exec'd the tool, within the start timeout, and fills Layers; a failed
// setup (or, under level strict, a missing layer) kills it.
func (c *Cmd) awaitHelper(repR *os.File, layers []Layer, strict bool) error {
	startTimeout := c.r.StartTimeout
	if startTimeout == 0 {
		startTimeout = 10 * time.Second
	}
	repR.SetReadDeadline(time.Now().Add(startTimeout))
	helperLayers, errs, ready, rerr := readReport(repR)
	c.Layers = sortLayers(append(layers, helperLayers...))
	switch {
	case rerr != nil:
		errs = append(errs, "reading the helper's report: "+rerr.Error())
	case !ready && len(errs) == 0:
		errs = append(errs, "the helper exited during setup")
	}
	if strict && len(errs) == 0 {
		if m := missing(c.Layers); len(m) > 0 {
			errs = append(errs, fmt.Sprintf("%v: missing %s", ErrStrict, strings.Join(m, ", ")))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	c.Kill()
	c.cmd.Wait()
	c.waited = true
	err := fmt.Errorf("sandbox: %s", strings.Join(errs, "; "))
	if strict && strings.Contains(errs[0], ErrStrict.Error()) {
		err = fmt.Errorf("sandbox: %w: missing %s", ErrStrict, strings.Join(missing(c.Layers), ", "))
	}
	return err
}

// watch closes what the node kept open for the start and kills the tool
// when the command's context ends (its time limit, or the caller's).
func (c *Cmd) watch() {
	for _, f := range c.closeAfter {
		f.Close()
	}
	c.exited = make(chan struct{})
	go func() {
		select {
		case <-c.ctx.Done():
			c.Kill()
		case <-c.exited:
		}
	}()
}

// startHelper starts `exe sandbox-exec` in new namespaces, falling back
// to fewer when the kernel refuses (best effort), and reports them.
func (c *Cmd) startHelper(extra []*os.File, root bool, toolID, initID uint32, hc *helperConfig) ([]Layer, error) {
	const all = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
	want := uintptr(all) &^ c.r.withoutNS
	attempts := []uintptr{want}
	if root && want&syscall.CLONE_NEWUSER != 0 {
		attempts = append(attempts, want&^syscall.CLONE_NEWUSER)
	}
	attempts = append(attempts, 0)
	var errs []string
	for _, flags := range attempts {
		cmd := exec.Command(c.r.exe(), "sandbox-exec")
		cmd.Args[0] = "reef-sandbox"
		cmd.Env = []string{}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
		cmd.ExtraFiles = extra
		cmd.WaitDelay = time.Second
		// A new session: its own process group (killed as one) and no
		// controlling terminal a tool could inject keystrokes into.
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Setsid: true, Pdeathsig: syscall.SIGKILL}
		hc.Namespaces = flags
		hc.UID, hc.GID, hc.Switch = 0, 0, false
		if flags&syscall.CLONE_NEWUSER != 0 {
			if root {
				cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(initID), Size: 1}, {ContainerID: insideUID, HostID: int(toolID), Size: 1}}
				cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(initID), Size: 1}, {ContainerID: insideUID, HostID: int(toolID), Size: 1}}
				hc.UID, hc.GID, hc.Switch = insideUID, insideUID, true
				// The child starts as host root, unmapped inside; become
				// the namespace's uid 0 (host initID).
				cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}
				cmd.SysProcAttr.GidMappingsEnableSetgroups = true // the helper drops supplementary groups
			} else {
				cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
				cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
				cmd.SysProcAttr.GidMappingsEnableSetgroups = false
			}
		} else if root {
			hc.UID, hc.GID, hc.Switch = int(toolID), int(toolID), true
		}
		if err := cmd.Start(); err != nil {
			errs = append(errs, fmt.Sprintf("namespaces %s: %v", nsNames(flags), err))
			continue
		}
		c.cmd = cmd
		return nsLayers(flags, c.r.withoutNS, errs), nil
	}
	return nil, fmt.Errorf("sandbox: start helper %s: %s", c.r.exe(), strings.Join(errs, "; "))
}

func nsLayers(flags, without uintptr, errs []string) []Layer {
	why := "the kernel refused to create it"
	if len(errs) > 0 {
		why += " (" + strings.Join(errs, "; ") + ")"
	}
	var out []Layer
	for _, ns := range namespaces {
		switch {
		case flags&ns.flag != 0:
			out = append(out, Layer{Name: ns.name, Active: true, Detail: ns.does})
		case without&ns.flag != 0:
			out = append(out, Layer{Name: ns.name, Detail: "not available on this host"})
		default:
			out = append(out, Layer{Name: ns.name, Detail: why})
		}
	}
	return out
}

var namespaces = []struct {
	name string
	flag uintptr
	does string
}{
	{"userns", syscall.CLONE_NEWUSER, "own user namespace: capabilities inside grant nothing on the host"},
	{"mountns", syscall.CLONE_NEWNS, "own mount namespace: a minimal root is built for the tool"},
	{"pidns", syscall.CLONE_NEWPID, "own pid namespace: host processes are invisible; killing the helper kills all"},
	{"netns", syscall.CLONE_NEWNET, "own network namespace: no interface but loopback"},
	{"ipcns", syscall.CLONE_NEWIPC, "own System V IPC and POSIX message queues"},
	{"utsns", syscall.CLONE_NEWUTS, "own hostname"},
}

func nsNames(flags uintptr) string {
	var n []string
	for _, ns := range namespaces {
		if flags&ns.flag != 0 {
			n = append(n, strings.TrimSuffix(ns.name, "ns"))
		}
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ",")
}

// Wait waits for the process to exit and removes its cgroup and egress
// socket. Whatever is left of the sandbox is killed.
func (c *Cmd) Wait() error {
	if c.cmd == nil {
		return errors.New("sandbox: not started")
	}
	if c.waited {
		return errors.New("sandbox: Wait was already called")
	}
	err := c.cmd.Wait()
	close(c.exited)
	c.waited = true
	c.oom = c.cg.oomKilled()
	c.cleanup()
	if !c.probe {
		if qerr := c.r.checkQuota(c.cfg.Workspace, c.quota); errors.Is(qerr, ErrDiskQuota) {
			c.disk = fmt.Errorf("sandbox: %w", qerr)
		} else if qerr != nil {
			c.r.log().Warn("workspace usage after a tool", "tenant", c.cfg.Tenant, "claw", c.cfg.Claw, "err", qerr)
		}
	}
	return err
}

func (c *Cmd) cleanup() {
	c.once.Do(func() {
		if c.cmd != nil && c.cmd.Process != nil && !c.waited {
			c.Kill()
		}
		if err := c.cg.destroy(); err != nil {
			c.r.log().Warn("sandbox cgroup left behind", "tenant", c.cfg.Tenant, "claw", c.cfg.Claw, "err", err)
		}
		if c.proxy != nil {
			c.proxy.Close()
		}
		for _, f := range c.closeAfter {
			f.Close()
		}
		if c.cancel != nil {
			c.cancel(nil)
		}
	})
}

// cgName names a sandbox's cgroup after its claw.
func cgName(cfg Config) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '_'
		}, s)
	}
	return clean(cfg.Tenant) + "." + clean(cfg.Claw)
}

// openMount returns a detached mount of path (open_tree with
// OPEN_TREE_CLONE) that the helper attaches inside its own mount
// namespace even where its uid could not reach path; on kernels before
// 5.2 a plain descriptor (tree false), and the helper binds path itself.
func openMount(path string) (f *os.File, tree bool, err error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err == nil {
		return os.NewFile(uintptr(fd), path), true, nil
	}
	fd, err = unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, err
	}
	return os.NewFile(uintptr(fd), path), false, nil
}
