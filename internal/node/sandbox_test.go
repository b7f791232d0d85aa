package node_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/sandbox"
)

// TestMain lets the test binary serve as `reef sandbox-exec`, the helper
// the node re-executes (as /proc/self/exe) for every tool process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sandbox-exec" {
		os.Exit(sandbox.Main(os.Args[2:], os.Stderr))
	}
	os.Exit(m.Run())
}

// shellModel runs "run: CMD" messages as a shell tool call and answers
// with the tool's result; other messages are echoed.
func shellModel(c llmtest.Call) llmtest.Reply {
	if last := c.Messages[len(c.Messages)-1]; last.Role == llm.RoleTool {
		return llmtest.Reply{Text: "tool result: " + last.Content}
	}
	if cmd, ok := strings.CutPrefix(c.LastUserText(), "run: "); ok {
		return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", "shell", map[string]string{"command": cmd})}}
	}
	return llmtest.Echo(c)
}

// requireSandbox skips when the kernel lacks what the sandbox needs here.
func requireSandbox(t *testing.T, b *bundle) {
	t.Helper()
	d, err := b.client.Doctor(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Layers {
		if (l.Name == "userns" || l.Name == "mountns" || l.Name == "pidns" || l.Name == "netns") && !l.Active {
			t.Skipf("the kernel gives no %s here (%s): the escape tests need it", l.Name, l.Detail)
		}
	}
}

func TestSandboxedShell(t *testing.T) {
	t.Parallel()
	b := setup(t, shellModel, "")
	requireSandbox(t, b)
	ctx := t.Context()
	var hits atomic.Int64
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "loopback secret")
	}))
	t.Cleanup(loop.Close)
	lu, _ := url.Parse(loop.URL)

	apply := func(spec string) {
		t.Helper()
		if _, err := b.client.Apply(ctx, []byte(spec)); err != nil {
			t.Fatal(err)
		}
	}
	apply("name: jail\nmodel: fake/m\ntools: [shell]\nsandbox: {memory: 64Mi, pids: 32, cpu: 0.25, timeout: 3s}\n")
	// The memory hog gets a whole CPU and a long timeout, so that on a
	// loaded machine it still reaches its memory limit before its time.
	apply("name: hog\nmodel: fake/m\ntools: [shell]\nsandbox: {memory: 64Mi, pids: 32, cpu: 1, timeout: 30s}\n")
	apply("name: other\nmodel: fake/m\n")
	apply("name: proxied\nmodel: fake/m\ntools: [shell]\nsandbox: {timeout: 10s, network: [\"example.invalid:443\"]}\n")
	apply(fmt.Sprintf("name: allowed\nmodel: fake/m\ntools: [shell]\nsandbox: {timeout: 10s, network: [%q]}\n", lu.Host))
	send := func(claw, text string) string {
		t.Helper()
		res, err := b.client.Send(ctx, claw, api.MessageRequest{Text: text}, time.Minute)
		if err != nil {
			t.Fatalf("send %q to %s: %v", text, claw, err)
		}
		if res.Error != "" {
			t.Fatalf("send %q to %s: run error %s", text, claw, res.Error)
		}
		return res.Reply
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	hostTmp := "/tmp/reef-escape-" + hex.EncodeToString(rnd[:])
	hostRoot := "/root/reef-escape-" + hex.EncodeToString(rnd[:])
	t.Cleanup(func() { os.Remove(hostTmp); os.Remove(hostRoot) })
	token := node0Token(t, b)
	_, hasCurl := exec.LookPath("curl")

	tests := []struct {
		name, claw, cmd string
		want            []string // substrings of the reply
		check           func(t *testing.T)
		needCurl        bool
	}{
		{name: "read /etc/shadow", claw: "jail", cmd: "cat /etc/shadow",
			want: []string{`"exit_code":1`, "Permission denied"}},
		{name: "read the admin token", claw: "jail", cmd: "cat " + filepath.Join(b.data, "admin.token") + "; ls " + b.data,
			want: []string{"No such file or directory"},
			check: func(t *testing.T) {
				if strings.Contains(send("jail", "run: cat "+filepath.Join(b.data, "admin.token")), token) {
					t.Error("the admin token leaked")
				}
			}},
		{name: "write host /tmp", claw: "jail", cmd: "echo owned > " + hostTmp + " && cat " + hostTmp,
			want: []string{"owned"}, // lands in the sandbox's private /tmp ...
			check: func(t *testing.T) { // ... never on the host
				if _, err := os.Stat(hostTmp); !os.IsNotExist(err) {
					t.Errorf("%s exists on the host: %v", hostTmp, err)
				}
			}},
		{name: "write /root", claw: "jail", cmd: "echo owned > " + hostRoot,
			want: []string{`"exit_code":2`, "cannot create /root/"},
			check: func(t *testing.T) {
				if _, err := os.Stat(hostRoot); !os.IsNotExist(err) {
					t.Errorf("%s exists on the host: %v", hostRoot, err)
				}
			}},
		{name: "reach a loopback server", claw: "jail", needCurl: true, cmd: "curl -sS -m 2 " + loop.URL,
			want: []string{`"exit_code":7`, "Failed to connect"}},
		{name: "loopback through the proxy when unlisted", claw: "proxied", needCurl: true, cmd: "curl -sS -m 5 -o /dev/null -w '%{http_code}' " + loop.URL,
			want: []string{`"stdout":"403"`}},
		{name: "allowed host through the proxy", claw: "allowed", needCurl: true, cmd: "curl -sS -m 5 " + loop.URL,
			want: []string{`"exit_code":0`, `"stdout":"loopback secret"`}},
		{name: "allocate 4 GiB", claw: "hog", cmd: "head -c 4294967296 /dev/zero | tail -n 1 | wc -c",
			want: []string{`"killed":"memory"`, "memory limit (64Mi)"}},
		{name: "workspace note persists", claw: "jail", cmd: "echo persisted > note.txt && cat note.txt && pwd",
			want: []string{`"exit_code":0`, "persisted", "/workspace"},
			check: func(t *testing.T) {
				host := filepath.Join(b.data, "workspaces", "default", "jail", "note.txt")
				if got, err := os.ReadFile(host); err != nil || string(got) != "persisted\n" {
					t.Errorf("host %s = %q, %v", host, got, err)
				}
				if os.Geteuid() == 0 { // owned by the tenant's own uid, from its slot in the store
					slot, err := b.node.Store.SandboxSlot(ctx, "default")
					var st syscall.Stat_t
					if err != nil || syscall.Stat(host, &st) != nil || st.Uid != uint32(1<<30+2*slot) {
						t.Errorf("note.txt owner %d, tenant slot %d (%v)", st.Uid, slot, err)
					}
				}
				if r := send("jail", "run: cat note.txt"); !strings.Contains(r, `"stdout":"persisted\n"`) {
					t.Errorf("second sandbox reads %s", r)
				}
			}},
		{name: "escape attempts inside", claw: "jail", cmd: "unshare -U true; echo unshare=$?; mount -t tmpfs x /tmp; echo mount=$?; ls /proc | grep -c '^[0-9]'; hostname; id -u",
			want: []string{"unshare=1", "unshare failed: Operation not permitted", "mount=32", "reef-sandbox", "1000"}},
	}
	for _, tt := range tests {
		if tt.needCurl && hasCurl != nil {
			t.Logf("%s: skipped, no curl on this host", tt.name)
			continue
		}
		reply := send(tt.claw, "run: "+tt.cmd)
		for _, w := range tt.want {
			if !strings.Contains(reply, w) {
				t.Errorf("%s: reply lacks %q:\n%s", tt.name, w, reply)
			}
		}
		if tt.check != nil {
			tt.check(t)
		}
	}
	if n := hits.Load(); hasCurl == nil && n != 1 {
		t.Errorf("the loopback server got %d requests, want 1 (only the allowed claw's)", n)
	}

	// A fork bomb is held by the pids limit and killed at the timeout,
	// while the node stays healthy and another claw answers.
	bomb := make(chan string, 1)
	go func() {
		res, err := b.client.Send(ctx, "jail", api.MessageRequest{Text: "run: bomb() { bomb | bomb & }; bomb; while :; do :; done"}, time.Minute)
		if err != nil {
			bomb <- "error: " + err.Error()
			return
		}
		bomb <- res.Reply
	}()
	if r := send("other", "still there?"); r != "echo: still there?" {
		t.Errorf("other claw during the fork bomb: %q", r)
	}
	resp, err := http.Get(b.node.URL() + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("readyz during the fork bomb: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// The pids limit refuses forks; the timeout or the shell's own failed
	// fork ends it, and the whole pid namespace with it.
	if r := <-bomb; !strings.Contains(r, "Cannot fork") || (!strings.Contains(r, `"killed":"timeout"`) && strings.Contains(r, `"exit_code":0`)) {
		t.Errorf("fork bomb: %s", r)
	}
	if r := send("other", "after"); r != "echo: after" {
		t.Errorf("other claw after the fork bomb: %q", r)
	}
}

func node0Token(t *testing.T, b *bundle) string {
	t.Helper()
	tok, err := os.ReadFile(filepath.Join(b.data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(tok))
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	d, err := b.client.Doctor(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d.Error != "" {
		t.Fatalf("doctor error: %s", d.Error)
	}
	active := map[string]bool{}
	for _, l := range d.Layers {
		active[l.Name] = l.Active
		t.Logf("%-14s %-5v %s", l.Name, l.Active, l.Detail)
	}
	if len(d.Layers) < 18 {
		t.Fatalf("doctor lists %d layers: %+v", len(d.Layers), d.Layers)
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: which layers are active depends on the host's user namespaces")
	}
	for _, name := range []string{"uid", "userns", "mountns", "pidns", "netns", "ipcns", "utsns", "filesystem", "seccomp", "rlimits", "no_new_privs", "cgroup_memory", "cgroup_pids"} {
		if !active[name] {
			t.Errorf("layer %s is missing on a root node", name)
		}
	}
}
