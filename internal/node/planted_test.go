package node_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
)

// TestPlantedWorkspaceFiles is the attack battery of the node's side of
// the sandbox (issue: "a claw must not walk out through the node's own
// file reads"): a claw's shell plants links to /etc/shadow, the admin
// token and another claw's file in every file the node reads, a FIFO, a
// link to /etc for uploads, and a 300-deep tree. None of it reaches the
// model, an upload or the host; the claw and the other claw keep working.
func TestPlantedWorkspaceFiles(t *testing.T) {
	t.Parallel()
	b := setup(t, shellModel, "")
	requireSandbox(t, b)
	ctx := t.Context()
	for _, s := range []string{
		"name: evil\nmodel: fake/m\ntools: [shell, memory_search]\nsandbox: {timeout: 20s}\n",
		"name: other\nmodel: fake/m\n",
	} {
		if _, err := b.client.Apply(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.client.PutWorkspaceFile(ctx, "other", "secret.txt", []byte("OTHER-CLAW-SECRET")); err != nil {
		t.Fatal(err)
	}
	send := func(claw, text string) api.EventResponse {
		t.Helper()
		res, err := b.client.Send(ctx, claw, api.MessageRequest{Text: text}, time.Minute)
		if err != nil {
			t.Fatalf("send %q to %s: %v", text, claw, err)
		}
		return res
	}
	plant := strings.Join([]string{
		"ln -sf /etc/shadow AGENTS.md", "ln -sf ../../../admin.token SOUL.md", "ln -sf ../other/secret.txt TOOLS.md",
		"ln -sf ../../../admin.token MEMORY.md", "ln -sf /proc/self/root/etc/passwd HEARTBEAT.md", "mkfifo IDENTITY.md",
		"mkdir -p memory skills/x", "ln -sf /etc/shadow memory/2026-01-01.md", "ln -sf ../../../../../admin.token skills/x/SKILL.md",
		"ln -s /etc planted", "echo planted",
	}, "; ")
	if res := send("evil", "run: "+plant); res.Error != "" || !strings.Contains(res.Reply, "planted") {
		t.Fatalf("planting: %+v", res)
	}
	token := node0Token(t, b)
	shadow, _ := os.ReadFile("/etc/shadow")
	res := send("evil", "hello")
	if res.Error != "" {
		t.Fatalf("the run after planting failed: %s", res.Error)
	}
	calls := b.model.Calls()
	sys := calls[len(calls)-1].System
	for _, leak := range []string{token, "OTHER-CLAW-SECRET", "root:"} {
		if strings.Contains(sys, leak) {
			t.Fatalf("the system prompt holds %q:\n%s", leak, sys)
		}
	}
	if len(shadow) > 0 && strings.Contains(sys, strings.SplitN(string(shadow), "\n", 2)[0]) {
		t.Fatal("the system prompt holds /etc/shadow")
	}
	for _, want := range []string{"AGENTS.md was left out", "SOUL.md was left out", "TOOLS.md was left out", "IDENTITY.md was left out", "leads out of the workspace", "not a regular file"} {
		if !strings.Contains(sys, want) {
			t.Errorf("the claw is not told %q:\n%s", want, sys)
		}
	}

	// Uploads: through the planted link to /etc, and a 3,000-level path.
	ws := filepath.Join(b.data, "workspaces", "default", "evil")
	name := "reef-planted-" + filepath.Base(b.data)
	put := func(rel string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, b.node.URL()+"/v1/claws/evil/workspace/"+rel, strings.NewReader("x"))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put("planted/" + name); code != http.StatusUnprocessableEntity {
		t.Fatalf("an upload through a link to /etc answered %d", code)
	}
	if _, err := os.Lstat("/etc/" + name); !errors.Is(err, fs.ErrNotExist) {
		os.Remove("/etc/" + name)
		t.Fatalf("an upload created /etc/%s", name)
	}
	deep := strings.Repeat("d/", 3000) + "f"
	if code := put(deep); code != http.StatusBadRequest {
		t.Fatalf("a 3,000-level upload answered %d", code)
	}
	if _, err := os.Lstat(filepath.Join(ws, "d")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused upload left directories behind")
	}

	// 300 nested directories do not break the claw's shell.
	if res := send("evil", "run: for i in $(seq 300); do mkdir d && cd d || exit 1; done; echo nested"); res.Error != "" || !strings.Contains(res.Reply, "nested") {
		t.Fatalf("nesting: %+v", res)
	}
	if res := send("evil", "run: echo still-alive"); res.Error != "" || !strings.Contains(res.Reply, "still-alive") {
		t.Fatalf("the shell after 300 nested directories: %+v", res)
	}
	if res := send("other", "hi"); res.Error != "" || res.Reply != "echo: hi" {
		t.Fatalf("the other claw: %+v", res)
	}
}

// TestWorkspaceRefusedWhereItDoesNotBelong: a spec cannot put its
// workspace on the node's data directory (whose admin token and database
// the hand-over would give the tenant's uid) or a system directory,
// directly or through a link.
func TestWorkspaceRefusedWhereItDoesNotBelong(t *testing.T) {
	t.Parallel()
	b := setup(t, shellModel, "")
	ctx := t.Context()
	etcLink := filepath.Join(t.TempDir(), "etc-link")
	if err := os.Symlink("/etc", etcLink); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{b.data, filepath.Join(b.data, "workspaces"), filepath.Dir(b.data), "/etc", "/usr/share", "/proc/self", "/root/x", etcLink, "/"} {
		_, err := b.client.Apply(ctx, []byte("name: w\nmodel: fake/m\nworkspace: "+ws+"\n"))
		if err == nil {
			t.Errorf("workspace %s accepted", ws)
			continue
		}
		if !strings.Contains(err.Error(), "workspace") {
			t.Errorf("workspace %s: unclear error %v", ws, err)
		}
	}
}
