package fs_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/fs"
)

// setup makes a workspace inside a parent directory that also holds a
// secret outside it, with a symbolic link pointing at the secret.
func setup(t *testing.T) (tool.Env, string) {
	t.Helper()
	parent := t.TempDir()
	ws := filepath.Join(parent, "ws")
	if err := os.MkdirAll(filepath.Join(ws, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(parent, "secret.txt")
	for name, body := range map[string]string{secret: "top secret\n", filepath.Join(ws, "a.txt"): "one\ntwo\nthree\n", filepath.Join(ws, "sub", "b.txt"): "bee"} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(secret, filepath.Join(ws, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(ws, "rel-link")); err != nil {
		t.Fatal(err)
	}
	return tool.Env{Workspace: ws}, secret
}

func call(t *testing.T, tl tool.Tool, env tool.Env, args any) (string, error) {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return tl.Call(t.Context(), env, b)
}

func TestConfinement(t *testing.T) {
	t.Parallel()
	env, secret := setup(t)
	tests := []struct {
		name string
		tool tool.Tool
		args map[string]any
	}{
		{"read dotdot", fs.ReadFile{}, map[string]any{"path": "../secret.txt"}},
		{"read absolute outside", fs.ReadFile{}, map[string]any{"path": secret}},
		{"read etc", fs.ReadFile{}, map[string]any{"path": "/etc/passwd"}},
		{"read symlink out", fs.ReadFile{}, map[string]any{"path": "link"}},
		{"read relative symlink out", fs.ReadFile{}, map[string]any{"path": "rel-link"}},
		{"read deep dotdot", fs.ReadFile{}, map[string]any{"path": "sub/../../secret.txt"}},
		{"write dotdot", fs.WriteFile{}, map[string]any{"path": "../evil.txt", "content": "x"}},
		{"write through symlink", fs.WriteFile{}, map[string]any{"path": "rel-link", "content": "x"}},
		{"edit through symlink", fs.EditFile{}, map[string]any{"path": "link", "old_string": "top", "new_string": "no"}},
		{"list parent", fs.ListFiles{}, map[string]any{"path": ".."}},
		{"list root", fs.ListFiles{}, map[string]any{"path": "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := call(t, tt.tool, env, tt.args)
			if err == nil {
				t.Fatalf("escaped the workspace: %q", out)
			}
			if p, _ := tt.args["path"].(string); !strings.HasPrefix(p, "/") && strings.Contains(err.Error(), filepath.Dir(env.Workspace)) {
				t.Errorf("error leaks the node's paths: %v", err)
			}
		})
	}
	if b, _ := os.ReadFile(secret); string(b) != "top secret\n" {
		t.Fatalf("secret changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(env.Workspace), "evil.txt")); !os.IsNotExist(err) {
		t.Fatal("write escaped the workspace")
	}
}

func TestReadWindow(t *testing.T) {
	t.Parallel()
	env, _ := setup(t)
	tests := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"path": "a.txt"}, "one\ntwo\nthree\n"},
		{map[string]any{"path": "a.txt", "offset": 2, "limit": 1}, "two\n[showing lines 2-2 of 3; call read_file with offset 3 to read on]"},
		{map[string]any{"path": "a.txt", "offset": 9}, "(offset 9 is past the end: the file has 3 lines)"},
		{map[string]any{"path": env.Workspace + "/sub/b.txt"}, "bee"},
	}
	for _, tt := range tests {
		got, err := call(t, fs.ReadFile{}, env, tt.args)
		if err != nil || got != tt.want {
			t.Errorf("read_file %v = %q, %v; want %q", tt.args, got, err, tt.want)
		}
	}
	big := strings.Repeat("0123456789abcdef\n", 10000)
	if err := os.WriteFile(filepath.Join(env.Workspace, "big.txt"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := call(t, fs.ReadFile{}, env, map[string]any{"path": "big.txt"})
	if err != nil || len(got) > fs.MaxRead+200 || !strings.Contains(got, "[showing lines 1-2000 of 10000") {
		t.Fatalf("big read: %d bytes, %v, tail %q", len(got), err, got[max(0, len(got)-80):])
	}
	for _, args := range []map[string]any{{"path": "missing"}, {"path": "sub"}, {"path": ""}, {"path": "a.txt", "bogus": 1}, {"path": "a.txt", "offset": -1}} {
		if out, err := call(t, fs.ReadFile{}, env, args); err == nil {
			t.Errorf("read_file %v = %q, want an error", args, out)
		}
	}
}

func TestWriteEditList(t *testing.T) {
	t.Parallel()
	env, _ := setup(t)
	if _, err := call(t, fs.WriteFile{}, env, map[string]any{"path": "notes/deep/note.txt", "content": "hello hello"}); err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		args    map[string]any
		wantErr string
		want    string
	}{
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "hello", "new_string": "bye"}, "occurs 2 times", "hello hello"},
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "absent", "new_string": "x"}, "not found", "hello hello"},
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "hello hello", "new_string": "hi"}, "", "hi"},
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "i", "new_string": "ey", "replace_all": true}, "", "hey"},
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "", "new_string": "x"}, "empty", "hey"},
		{map[string]any{"path": "notes/deep/note.txt", "old_string": "hey"}, "new_string", "hey"},
	}
	for _, e := range edits {
		_, err := call(t, fs.EditFile{}, env, e.args)
		if (err == nil) != (e.wantErr == "") || (err != nil && !strings.Contains(err.Error(), e.wantErr)) {
			t.Fatalf("edit_file %v: err %v, want %q", e.args, err, e.wantErr)
		}
		if b, _ := os.ReadFile(filepath.Join(env.Workspace, "notes/deep/note.txt")); string(b) != e.want {
			t.Fatalf("after edit_file %v the file is %q, want %q", e.args, b, e.want)
		}
	}
	got, err := call(t, fs.ListFiles{}, env, map[string]any{})
	if want := "a.txt\t14\nlink@\nnotes/\nrel-link@\nsub/"; err != nil || got != want {
		t.Fatalf("list_files = %q, %v; want %q", got, err, want)
	}
	got, err = call(t, fs.ListFiles{}, env, map[string]any{"path": "notes", "recursive": true})
	if want := "deep/\ndeep/note.txt\t3"; err != nil || got != want {
		t.Fatalf("list_files recursive = %q, %v; want %q", got, err, want)
	}
	if _, err := call(t, fs.ListFiles{}, env, map[string]any{"path": "a.txt"}); err == nil {
		t.Fatal("list_files of a file succeeded")
	}
	if _, err := call(t, fs.WriteFile{}, tool.Env{}, map[string]any{"path": "x", "content": ""}); err == nil {
		t.Fatal("write without a workspace succeeded")
	}
}

func TestSchemas(t *testing.T) {
	t.Parallel()
	for _, tl := range fs.Tools() {
		var s struct {
			Type                 string         `json:"type"`
			Properties           map[string]any `json:"properties"`
			AdditionalProperties *bool          `json:"additionalProperties"`
		}
		if err := json.Unmarshal(tl.Schema(), &s); err != nil {
			t.Fatalf("%s schema: %v", tl.Name(), err)
		}
		if s.Type != "object" || len(s.Properties) == 0 || s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Fatalf("%s schema is not a closed object: %s", tl.Name(), tl.Schema())
		}
	}
}

func FuzzReadFile(f *testing.F) {
	f.Add("a\nb\n", 1, 1)
	f.Add("", 0, 0)
	f.Add(strings.Repeat("x", 70000), 1, 5)
	f.Fuzz(func(t *testing.T, content string, offset, limit int) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]any{"path": "f", "offset": offset, "limit": limit})
		out, err := fs.ReadFile{}.Call(t.Context(), tool.Env{Workspace: dir}, b)
		if err == nil && len(out) > fs.MaxRead+300 {
			t.Fatalf("read_file returned %d bytes", len(out))
		}
	})
}

// A FIFO (or any non-regular file) a tool left in the workspace is
// refused at once: the node never blocks opening it.
func TestReadFIFORefused(t *testing.T) {
	t.Parallel()
	env, _ := setup(t)
	if err := syscall.Mkfifo(filepath.Join(env.Workspace, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	for tl, args := range map[tool.Tool]map[string]any{
		fs.ReadFile{}: {"path": "pipe"},
		fs.EditFile{}: {"path": "pipe", "old_string": "a", "new_string": "b"},
	} {
		_, err := call(t, tl, env, args)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("%s of a FIFO = %v", tl.Name(), err)
		}
	}
}
