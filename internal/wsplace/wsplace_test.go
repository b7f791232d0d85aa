package wsplace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/wsplace"
)

// clawList is the store's WorkspaceClaws over a fixed list.
type clawList []claw.Claw

func (l clawList) WorkspaceClaws(context.Context) ([]claw.Claw, error) { return l, nil }

// failing is a store whose listing fails.
type failing struct{}

func (failing) WorkspaceClaws(context.Context) ([]claw.Claw, error) {
	return nil, errors.New("disk on fire")
}

func wsClaw(tenant, name, dir string) claw.Claw {
	return claw.Claw{Tenant: tenant, Name: name, Spec: claw.Spec{Name: name, Model: "p/m", Workspace: dir}}
}

// layout is a data directory and a workspace root with links in it.
type layout struct {
	base, data, root string
}

func setup(t *testing.T) layout {
	t.Helper()
	base := t.TempDir()
	l := layout{base: base, data: filepath.Join(base, "data"), root: filepath.Join(base, "roots")}
	for _, d := range []string{l.data, l.root, filepath.Join(base, "elsewhere"), filepath.Join(l.root, "team", "b")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"etc-link":  "/etc",
		"data-link": l.data,
		"out":       filepath.Join(base, "elsewhere"),
		"dangling":  filepath.Join(base, "missing"),
	} {
		if err := os.Symlink(target, filepath.Join(l.root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/", filepath.Join(base, "slash")); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCheck(t *testing.T) {
	t.Parallel()
	l := setup(t)
	others := clawList{
		wsClaw(claw.DefaultTenant, "b", filepath.Join(l.root, "team", "b")),
		wsClaw("t2", "x", filepath.Join(l.root, "t2x")),
		wsClaw(claw.DefaultTenant, "a", filepath.Join(l.root, "mine")), // the claw itself
	}
	p, err := wsplace.New(l.data, []string{l.root, filepath.Join(l.base, "slash")}, others)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		dir   string
		admin bool
		want  string // "" allowed, else a part of the error
	}{
		{"unset", "", false, ""},
		{"under a root", filepath.Join(l.root, "a"), true, ""},
		{"the claw's own workspace", filepath.Join(l.root, "mine"), true, ""},
		{"not yet made, deep", filepath.Join(l.root, "new", "deep", "dir"), true, ""},
		{"from a tenant", filepath.Join(l.root, "a"), false, "a tenant's spec cannot name a workspace"},
		{"the data directory", l.data, true, "is the data directory"},
		{"a child of the data directory", filepath.Join(l.data, "workspaces", "default", "other"), true, "lies inside the data directory"},
		{"the parent of the data directory", l.base, true, "contains the data directory"},
		{"/", "/", true, "is the root directory"},
		{"/etc", "/etc", true, "/etc is a system directory"},
		{"/proc/self", "/proc/self", true, "lies inside the system directory /proc"},
		{"/var", "/var", true, "contains the system directory /var/backups"},
		{"/home", "/home", true, "/home is a system directory"},
		{"/tmp", "/tmp", true, "/tmp is a system directory"},
		{"relative", "work", true, "is not an absolute path"},
		{"dot-dot", filepath.Join(l.root, "a") + "/../../etc", true, "is not a clean path (" + filepath.Join(l.base, "etc") + ")"},
		{"trailing slash", filepath.Join(l.root, "a") + "/", true, "is not a clean path"},
		{"a root itself", l.root, true, "is not strictly under a workspace_roots entry (" + l.root + ", "},
		{"outside every root", filepath.Join(l.base, "elsewhere", "x"), true, "is not strictly under"},
		{"another claw's workspace", filepath.Join(l.root, "team", "b"), true, "is the workspace of claw default/b"},
		{"its parent", filepath.Join(l.root, "team"), true, "contains the workspace of claw default/b"},
		{"its child", filepath.Join(l.root, "team", "b", "sub"), true, "lies inside the workspace of claw default/b"},
		{"another tenant's claw", filepath.Join(l.root, "t2x"), true, "is the workspace of claw t2/x"},
		{"under a link to /etc", filepath.Join(l.root, "etc-link", "x"), true, "resolves to /etc/x, which lies inside the system directory /etc"},
		{"a link to /etc", filepath.Join(l.root, "etc-link"), true, "resolves to /etc, which is a system directory"},
		{"under a link to the data directory", filepath.Join(l.root, "data-link", "w"), true, "which lies inside the data directory"},
		{"under a link out of the roots", filepath.Join(l.root, "out", "w"), true, "resolves to " + filepath.Join(l.base, "elsewhere", "w") + ", which is not strictly under"},
		{"under a dangling link", filepath.Join(l.root, "dangling", "w"), true, "cannot be resolved"},
		{"under a root that is a link to /", filepath.Join(l.base, "slash", "opt", "x"), true, "resolves to /opt/x, which is not strictly under"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := p.Check(t.Context(), claw.DefaultTenant, claw.Spec{Name: "a", Model: "p/m", Workspace: tt.dir}, tt.admin)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want allowed", tt.dir, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check(%q) = %v, want %q", tt.dir, err, tt.want)
			}
			if code := claw.ErrorCode(err); code != claw.EUNPROCESSABLE {
				t.Fatalf("code = %q, want %q", code, claw.EUNPROCESSABLE)
			}
			if !strings.HasPrefix(err.Error(), "workspace: ") || (tt.admin && !strings.HasSuffix(err.Error(), wsplace.Hint)) {
				t.Fatalf("message %q lacks its prefix or hint", err)
			}
		})
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	l := setup(t)
	p, err := wsplace.New(l.data, []string{l.root}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir string
		want      string // the directory, or with err the error's part
		err       bool
	}{
		{"default", "", filepath.Join(l.data, "workspaces", "t1", "a"), false},
		{"under a root", filepath.Join(l.root, "a"), filepath.Join(l.root, "a"), false},
		{"stored before the fix: /etc", "/etc", "workspace: /etc is a system directory; " + wsplace.Hint, true},
		{"stored before the fix: the data directory", l.data, "is the data directory", true},
		{"a root made a link to /etc since", filepath.Join(l.root, "etc-link", "x"), "resolves to /etc/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Dir(wsClaw("t1", "a", tt.dir))
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) || got != "" {
					t.Fatalf("Dir = %q, %v; want no directory and %q", got, err, tt.want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Dir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNoRoots(t *testing.T) {
	t.Parallel()
	l := setup(t)
	p, err := wsplace.New(l.data, nil, clawList{})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Check(t.Context(), claw.DefaultTenant, claw.Spec{Name: "a", Workspace: filepath.Join(l.root, "a")}, true)
	if err == nil || !strings.Contains(err.Error(), "is not under a workspace_roots entry (the host config lists none)") {
		t.Fatalf("Check without roots = %v", err)
	}
}

func TestNewRefusesRoots(t *testing.T) {
	t.Parallel()
	l := setup(t)
	tests := []struct{ root, want string }{
		{l.data, "is or lies inside the data directory"},
		{filepath.Join(l.data, "workspaces"), "is or lies inside the data directory"},
		{filepath.Join(l.root, "data-link"), "is or lies inside the data directory"},
		{"/etc", "/etc is a system directory"},
		{"relative", "is not an absolute path"},
		{"/", "is the root directory"},
	}
	for _, tt := range tests {
		if _, err := wsplace.New(l.data, []string{tt.root}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(root %q) = %v, want %q", tt.root, err, tt.want)
		}
	}
	// A root that contains the data directory is fine: workspaces next
	// to it are allowed, the data directory itself is not.
	p, err := wsplace.New(l.data, []string{l.base}, nil)
	if err != nil {
		t.Fatalf("New(root containing the data directory) = %v", err)
	}
	if _, err := p.Dir(wsClaw("t", "a", filepath.Join(l.data, "x"))); err == nil {
		t.Fatal("Dir inside the data directory under a root: allowed")
	}
	if _, err := p.Dir(wsClaw("t", "a", filepath.Join(l.base, "elsewhere"))); err != nil {
		t.Fatalf("Dir next to the data directory: %v", err)
	}
}

func TestCheckRoot(t *testing.T) {
	t.Parallel()
	tests := []struct{ dir, want string }{
		{"/srv/reef", ""},
		{"/home", ""},
		{"/var/lib/reef-workspaces", ""},
		{"", "is empty"},
		{"srv", "is not an absolute path"},
		{"/srv/reef/", "is not a clean path (/srv/reef)"},
		{"/srv/../etc", "is not a clean path (/etc)"},
		{"/", "is the root directory"},
		{"/etc", "is a system directory"},
		{"/usr/local/reef", "lies inside the system directory /usr"},
		{"/var", "contains the system directory /var/backups"},
		{"/var/lib", "contains the system directory /var/lib/apt"},
	}
	for _, tt := range tests {
		got := wsplace.CheckRoot(tt.dir)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("CheckRoot(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	l := setup(t)
	cs := clawList{
		wsClaw(claw.DefaultTenant, "etc", "/etc"),
		wsClaw(claw.DefaultTenant, "fine", filepath.Join(l.root, "fine")),
		wsClaw(claw.DefaultTenant, "outer", filepath.Join(l.root, "shared")),
		wsClaw("t2", "inner", filepath.Join(l.root, "shared", "in")),
	}
	p, err := wsplace.New(l.data, []string{l.root}, cs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Problems(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"default/etc":   "workspace: /etc is a system directory",
		"default/outer": "contains the workspace of claw t2/inner",
		"t2/inner":      "lies inside the workspace of claw default/outer",
	}
	if len(got) != len(want) {
		t.Fatalf("Problems = %+v, want %d", got, len(want))
	}
	for _, pr := range got {
		if w, ok := want[pr.Tenant+"/"+pr.Claw]; !ok || !strings.Contains(pr.Reason, w) || pr.Workspace == "" {
			t.Errorf("problem %+v, want reason %q", pr, w)
		}
	}
	bad, err := wsplace.New(l.data, []string{l.root}, failing{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Problems(t.Context()); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Problems with a failing store = %v", err)
	}
	if err := bad.Check(t.Context(), claw.DefaultTenant, claw.Spec{Name: "a", Workspace: filepath.Join(l.root, "a")}, true); err == nil || claw.ErrorCode(err) != claw.EINTERNAL {
		t.Fatalf("Check with a failing store = %v, want an internal error", err)
	}
}
