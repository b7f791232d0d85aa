//go:build unix

package wsfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/reefhq/reef/internal/wsfs"
	"golang.org/x/sys/unix"
)

// setup makes a workspace beside an "outside" directory holding a secret,
// and returns both.
func setup(t *testing.T) (ws, outside string) {
	t.Helper()
	base := t.TempDir()
	ws, outside = filepath.Join(base, "ws"), filepath.Join(base, "outside")
	for _, d := range []string{ws, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(outside, "secret"), "outside secret")
	return ws, outside
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	ws, outside := setup(t)
	write(t, filepath.Join(ws, "AGENTS.md"), "hello")
	write(t, filepath.Join(ws, "big.md"), strings.Repeat("x", 100))
	write(t, filepath.Join(ws, "sub", "inner.md"), "inner")
	link(t, filepath.Join(outside, "secret"), filepath.Join(ws, "abs.md"))
	link(t, "../outside/secret", filepath.Join(ws, "rel.md"))
	link(t, "/etc/passwd", filepath.Join(ws, "etc.md"))
	link(t, "sub/inner.md", filepath.Join(ws, "inside.md"))
	link(t, "../../outside", filepath.Join(ws, "sub", "out"))
	link(t, "/proc/self/root/etc/passwd", filepath.Join(ws, "magic.md"))
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	link(t, "fifo.md", filepath.Join(ws, "tofifo.md"))
	r, err := wsfs.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tests := []struct {
		name    string
		max     int64
		want    string
		size    int64
		wantErr error
	}{
		{name: "AGENTS.md", max: 1 << 10, want: "hello", size: 5},
		{name: "big.md", max: 10, want: "xxxxxxxxxx", size: 100},
		{name: "inside.md", max: 1 << 10, want: "inner", size: 5},
		{name: "sub/inner.md", max: 1 << 10, want: "inner", size: 5},
		{name: "abs.md", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "rel.md", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "etc.md", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "magic.md", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "sub/out/secret", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "../outside/secret", max: 1 << 10, wantErr: wsfs.ErrEscapes},
		{name: "fifo.md", max: 1 << 10, wantErr: wsfs.ErrNotRegular},
		{name: "tofifo.md", max: 1 << 10, wantErr: wsfs.ErrNotRegular},
		{name: "sub", max: 1 << 10, wantErr: wsfs.ErrNotRegular},
		{name: "missing.md", max: 1 << 10, wantErr: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, size, err := r.ReadFile(tt.name, tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(string(got), "secret") {
					t.Fatalf("read %q", got)
				}
				return
			}
			if err != nil || string(got) != tt.want || size != tt.size {
				t.Fatalf("got %q, %d, %v; want %q, %d", got, size, err, tt.want, tt.size)
			}
		})
	}
	if !wsfs.Refused(mustErr(r.ReadFile("abs.md", 1))) || wsfs.Refused(mustErr(r.ReadFile("missing.md", 1))) {
		t.Fatal("Refused does not tell a refusal from a missing file")
	}
}

func mustErr(_ []byte, _ int64, err error) error { return err }

func TestReadDir(t *testing.T) {
	t.Parallel()
	ws, outside := setup(t)
	for _, n := range []string{"c", "a", "b"} {
		write(t, filepath.Join(ws, "memory", n), n)
	}
	write(t, filepath.Join(ws, "file"), "x")
	link(t, outside, filepath.Join(ws, "out"))
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := wsfs.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	es, err := r.ReadDir("memory", 100)
	if err != nil || len(es) != 3 || es[0].Name() != "a" || es[2].Name() != "c" {
		t.Fatalf("ReadDir(memory) = %v, %v", es, err)
	}
	if es, err := r.ReadDir("memory", 2); err != nil || len(es) != 2 {
		t.Fatalf("ReadDir(memory, 2) = %v, %v", es, err)
	}
	for name, want := range map[string]error{"out": wsfs.ErrEscapes, "file": wsfs.ErrNotRegular, "fifo": wsfs.ErrNotRegular, "none": fs.ErrNotExist} {
		if _, err := r.ReadDir(name, 10); !errors.Is(err, want) {
			t.Errorf("ReadDir(%s) err = %v, want %v", name, err, want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	ws, outside := setup(t)
	link(t, outside, filepath.Join(ws, "planted"))
	link(t, filepath.Join(outside, "secret"), filepath.Join(ws, "SOUL.md"))
	r, err := wsfs.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	if err := r.WriteFile("a/b/c.md", []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, "a", "b", "c.md")); string(b) != "new" {
		t.Fatalf("a/b/c.md = %q", b)
	}
	// Through a planted directory link: refused, nothing outside.
	if err := r.WriteFile("planted/x", []byte("pwn"), 0o644); !errors.Is(err, wsfs.ErrEscapes) {
		t.Fatalf("write through a directory link: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file was created outside: %v", err)
	}
	// Over a link to a file outside: refused, the target kept; over a
	// link inside: the link is replaced.
	if err := r.WriteFile("SOUL.md", []byte("mine"), 0o644); !errors.Is(err, wsfs.ErrEscapes) {
		t.Fatalf("write over a link out: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "outside secret" {
		t.Fatalf("the link's target was written: %q", b)
	}
	link(t, "a/b/c.md", filepath.Join(ws, "inner-link"))
	if err := r.WriteFile("inner-link", []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(ws, "inner-link")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("inner-link is not a regular file now: %v %v", fi, err)
	}
	// Too deep: refused before anything is made.
	deep := strings.Repeat("d/", 3000) + "f"
	if err := r.WriteFile(deep, []byte("x"), 0o644); !errors.Is(err, wsfs.ErrBadPath) {
		t.Fatalf("3000-deep path: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ws, "d")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused path left a directory behind")
	}
	// Under a file, or over a non-empty directory: refused, no temporary
	// file left.
	if err := r.WriteFile("q/r", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteFile("q/r/s", []byte("x"), 0o644); !errors.Is(err, wsfs.ErrNotRegular) {
		t.Fatalf("write under a file: %v", err)
	}
	write(t, filepath.Join(ws, "y", "busy", "keep"), "k")
	if err := r.WriteFile("y/busy", []byte("x"), 0o644); err == nil {
		t.Fatal("a file replaced a non-empty directory")
	}
	entries, _ := os.ReadDir(filepath.Join(ws, "y"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".reef-upload-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCheckPath(t *testing.T) {
	t.Parallel()
	ok := []string{"a", "AGENTS.md", "memory/2026-01-01.md", "a/b/c", strings.Repeat("d/", wsfs.MaxPathDepth-1) + "f", ".hidden"}
	bad := []string{"", "/etc/x", "../x", "a/../../x", "a/./b", "a//b", "a/", ".", "..", `a\b`, "a\x00b",
		strings.Repeat("d/", wsfs.MaxPathDepth) + "f", strings.Repeat("x", wsfs.MaxNameBytes+1), strings.Repeat("abc/", 300)}
	for _, p := range ok {
		if err := wsfs.CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q) = %v", p, err)
		}
	}
	for _, p := range bad {
		if err := wsfs.CheckPath(p); !errors.Is(err, wsfs.ErrBadPath) {
			t.Errorf("CheckPath(%q) = %v, want ErrBadPath", p, err)
		}
	}
}

func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "a//b", "/x", strings.Repeat("a/", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if wsfs.CheckPath(p) != nil {
			return
		}
		if !filepath.IsLocal(p) || strings.Count(p, "/") >= wsfs.MaxPathDepth || len(p) > wsfs.MaxPathBytes || filepath.Clean(p) != p {
			t.Fatalf("CheckPath accepted %q", p)
		}
	})
}

// deepTree makes n nested directories under dir, each holding a file,
// with relative mkdirs (no path longer than PATH_MAX is ever used).
func deepTree(t *testing.T, dir string, n int) {
	t.Helper()
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := syscall.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		sub, err := syscall.Openat(fd, "d", syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f, err := syscall.Openat(sub, "f", syscall.O_CREAT|syscall.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Write(f, []byte("x"))
		syscall.Close(f)
		syscall.Close(fd)
		fd = sub
	}
	syscall.Close(fd)
}

func TestUsage(t *testing.T) {
	t.Parallel()
	ws, outside := setup(t)
	write(t, filepath.Join(outside, "huge"), strings.Repeat("x", 1<<20))
	link(t, filepath.Join(outside, "huge"), filepath.Join(ws, "huge"))
	link(t, outside, filepath.Join(ws, "outdir"))
	empty, err := wsfs.Usage(ws)
	if err != nil {
		t.Fatal(err)
	}
	if empty > 64<<10 {
		t.Fatalf("links to 1 MiB outside counted: %d bytes", empty)
	}
	write(t, filepath.Join(ws, "a", "one"), strings.Repeat("y", 256<<10))
	if err := os.Link(filepath.Join(ws, "a", "one"), filepath.Join(ws, "two")); err != nil {
		t.Fatal(err)
	}
	got, err := wsfs.Usage(ws)
	if err != nil {
		t.Fatal(err)
	}
	if d := got - empty; d < 256<<10 || d > 256<<10+64<<10 {
		t.Fatalf("a 256 KiB file with two links adds %d bytes", d)
	}
	if n, err := wsfs.Usage(filepath.Join(ws, "missing")); err != nil || n != 0 {
		t.Fatalf("missing workspace: %d, %v", n, err)
	}
}

func TestWalkAnyDepth(t *testing.T) {
	t.Parallel()
	ws, _ := setup(t)
	deepTree(t, ws, 3000)
	n, err := wsfs.Usage(ws)
	if err != nil {
		t.Fatal(err)
	}
	if n < 3000*512 {
		t.Fatalf("3000-deep tree uses %d bytes", n)
	}
	if os.Geteuid() != 0 {
		return
	}
	if err := wsfs.Chown(ws, 12345, 12345); err != nil {
		t.Fatalf("chown a 3000-deep tree: %v", err)
	}
	// The deepest file, reached by relative opens.
	fd, _ := syscall.Open(ws, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	for range 3000 {
		sub, err := syscall.Openat(fd, "d", syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Close(fd)
		fd = sub
	}
	defer syscall.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstatat(fd, "f", &st, 0); err != nil || st.Uid != 12345 || st.Gid != 12345 {
		t.Fatalf("deepest file: uid %d gid %d, %v", st.Uid, st.Gid, err)
	}
}

func TestChownNeverFollows(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("chown to another uid needs root")
	}
	ws, outside := setup(t)
	write(t, filepath.Join(ws, "own"), "x")
	link(t, filepath.Join(outside, "secret"), filepath.Join(ws, "lnk"))
	link(t, outside, filepath.Join(ws, "dirlnk"))
	if err := os.Link(filepath.Join(outside, "secret"), filepath.Join(ws, "hard")); err != nil {
		t.Fatal(err)
	}
	if err := wsfs.Chown(ws, 23456, 23456); err != nil {
		t.Fatal(err)
	}
	owner := func(p string) uint32 {
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		return st.Uid
	}
	if owner(filepath.Join(ws, "own")) != 23456 || owner(filepath.Join(ws, "lnk")) != 23456 || owner(ws) != 23456 {
		t.Fatal("the workspace was not handed over")
	}
	if owner(filepath.Join(outside, "secret")) == 23456 || owner(outside) == 23456 {
		t.Fatal("chown followed a link out of the workspace")
	}
}
