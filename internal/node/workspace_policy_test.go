package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsplace"
)

// storeSpec writes a spec version straight into the store, past the API's
// checks, as a node before the placement rules could have.
func storeSpec(t *testing.T, b *bundle, sp claw.Spec) {
	t.Helper()
	canon, err := spec.Canonical(sp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.node.Store.ApplyClaw(t.Context(), claw.DefaultTenant, sp, canon); err != nil {
		t.Fatal(err)
	}
}

// wantRefused checks an apply's error: 422 with every part in its message.
func wantRefused(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if apiStatus(err) != 422 {
		t.Fatalf("%s: %v (status %d), want 422", what, err, apiStatus(err))
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: message %q lacks %q", what, err, p)
		}
	}
}

func TestWorkspaceOutsideTheRulesIsRefusedAtApply(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	for _, tt := range []struct{ dir, why string }{
		{b.data, "is the data directory"},
		{filepath.Join(b.data, "workspaces", "default", "victim"), "lies inside the data directory"},
		{"/etc", "workspace: /etc is a system directory"},
		{"/proc/self", "lies inside the system directory /proc"},
		{"/srv/reef-nowhere/a", "is not under a workspace_roots entry (the host config lists none)"},
	} {
		_, err := b.client.Apply(ctx, []byte("name: w\nmodel: fake/m1\nworkspace: "+tt.dir+"\n"))
		wantRefused(t, tt.dir, err, tt.why, wsplace.Hint)
	}
	if _, err := b.client.Get(ctx, "w"); apiStatus(err) != 404 {
		t.Fatalf("a refused apply made the claw: %v", err)
	}
	// A rollback to a version whose workspace is now forbidden is refused
	// the same way, and leaves the current version.
	storeSpec(t, b, claw.Spec{Name: "old", Model: "fake/m1", Workspace: "/etc"})
	if _, err := b.client.Apply(ctx, []byte("name: old\nmodel: fake/m1\n")); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Rollback(ctx, "old", 1)
	wantRefused(t, "rollback to v1", err, "workspace: /etc is a system directory")
	if c, err := b.client.Get(ctx, "old"); err != nil || c.Version != 2 || c.Spec.Workspace != "" {
		t.Fatalf("after the refused rollback: %+v, %v", c, err)
	}
}

func TestStoredForbiddenWorkspaceFailsItsRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, shellModel, "")
	ctx := t.Context()
	victim := filepath.Join(b.data, "victim")
	storeSpec(t, b, claw.Spec{Name: "old", Model: "fake/m1", Tools: []string{"shell"}, Workspace: victim})
	storeSpec(t, b, claw.Spec{Name: "etc", Model: "fake/m1", Tools: []string{"shell"}, Workspace: "/etc"})
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	d, err := b.client.Doctor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, p := range d.Workspaces {
		reasons[p.Tenant+"/"+p.Claw] = p.Reason
	}
	wantOld := "workspace: " + victim + " lies inside the data directory; " + wsplace.Hint
	if len(reasons) != 2 || reasons["default/old"] != wantOld || !strings.Contains(reasons["default/etc"], "/etc is a system directory") {
		t.Fatalf("doctor workspaces = %+v", d.Workspaces)
	}
	res, err := b.client.Send(ctx, "old", api.MessageRequest{Text: "run: echo owned > owned.txt"}, time.Minute)
	if err != nil || res.Status != claw.EventFailed || res.Error != wantOld {
		t.Fatalf("run of the claw = %+v, %v; want failed with %q", res, err, wantOld)
	}
	if _, err := os.Lstat(victim); !os.IsNotExist(err) {
		t.Fatalf("the forbidden workspace was touched: %v", err)
	}
	runs, err := b.client.Runs(ctx, "old", 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	if n := len(b.model.Calls()); n != 0 {
		t.Fatalf("the model was called %d times for a claw whose workspace is forbidden", n)
	}
	// The upload route refuses it too, writing nothing.
	if err := b.client.PutWorkspaceFile(ctx, "old", "AGENTS.md", []byte("x")); apiStatus(err) != 422 {
		t.Fatalf("upload into a forbidden workspace: %v", err)
	}
	if _, err := os.Lstat(victim); !os.IsNotExist(err) {
		t.Fatalf("the upload touched the forbidden workspace: %v", err)
	}
	// Other claws keep answering.
	if res, err := b.client.Send(ctx, "hello", api.MessageRequest{Text: "still there?"}, time.Minute); err != nil || res.Reply != "echo: still there?" {
		t.Fatalf("other claw = %+v, %v", res, err)
	}
}

func TestWorkspaceUnderARoot(t *testing.T) {
	t.Parallel()
	model := llmtest.NewTest(t, shellModel)
	root := t.TempDir()
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	b.cfg.WorkspaceRoots = []string{root}
	b.start(t, "")
	ctx := t.Context()
	if err := os.Symlink("/etc", filepath.Join(root, "etc-link")); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(root, "w1")
	if _, err := b.client.Apply(ctx, []byte("name: w1\nmodel: fake/m1\ntools: [shell]\nworkspace: "+ws+"\n")); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Apply(ctx, []byte("name: w2\nmodel: fake/m1\nworkspace: "+filepath.Join(ws, "sub")+"\n"))
	wantRefused(t, "inside another claw's workspace", err, "lies inside the workspace of claw default/w1")
	_, err = b.client.Apply(ctx, []byte("name: w2\nmodel: fake/m1\nworkspace: "+root+"\n"))
	wantRefused(t, "the root itself", err, "is not strictly under a workspace_roots entry ("+root+")")
	_, err = b.client.Apply(ctx, []byte("name: w2\nmodel: fake/m1\nworkspace: "+filepath.Join(root, "etc-link", "w2")+"\n"))
	wantRefused(t, "through a link to /etc", err, "resolves to /etc/w2, which lies inside the system directory /etc")

	// A token that is not the admin's cannot name a workspace at all.
	const secret = "reef_tenant_test_token"
	if err := b.node.Store.CreateToken(ctx, store.Token{ID: "tok_tenant", Hash: httpapi.HashToken(secret), Tenant: claw.DefaultTenant, Role: claw.RoleOwner, Name: "tenant"}); err != nil {
		t.Fatal(err)
	}
	tenant := client.New(b.node.URL(), secret)
	_, err = tenant.Apply(ctx, []byte("name: w3\nmodel: fake/m1\nworkspace: "+filepath.Join(root, "w3")+"\n"))
	wantRefused(t, "a tenant's workspace", err, "a tenant's spec cannot name a workspace")
	if _, err := tenant.Apply(ctx, []byte("name: w3\nmodel: fake/m1\n")); err != nil {
		t.Fatalf("a tenant's spec without a workspace: %v", err)
	}

	requireSandbox(t, b)
	res, err := b.client.Send(ctx, "w1", api.MessageRequest{Text: "run: echo placed > made.txt && pwd"}, time.Minute)
	if err != nil || res.Error != "" || !strings.Contains(res.Reply, `"exit_code":0`) {
		t.Fatalf("shell in the admin's workspace = %+v, %v", res, err)
	}
	if got, err := os.ReadFile(filepath.Join(ws, "made.txt")); err != nil || string(got) != "placed\n" {
		t.Fatalf("%s/made.txt = %q, %v", ws, got, err)
	}
	if d, err := b.client.Doctor(ctx); err != nil || len(d.Workspaces) != 0 {
		t.Fatalf("doctor workspaces = %+v, %v", d.Workspaces, err)
	}
}

func TestWorkspaceRootInsideTheDataDirectoryStopsTheNode(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := config.Default()
	cfg.WorkspaceRoots = []string{filepath.Join(data, "workspaces")}
	n, err := node.Open(t.Context(), node.Options{DataDir: data, Addr: "127.0.0.1:0", Config: cfg})
	if err == nil {
		n.Stop(t.Context())
		t.Fatal("node.Open accepted a workspace root inside the data directory")
	}
	if !strings.Contains(err.Error(), "workspace_roots: "+cfg.WorkspaceRoots[0]+" is or lies inside the data directory") {
		t.Fatalf("node.Open = %v", err)
	}
}
