//go:build unix

package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// plantedWorkspace is a workspace whose tools replaced every file the
// node reads with a link out of it (to a secret beside it, /etc and a
// parent directory) or a FIFO, beside one honest file of each kind.
func plantedWorkspace(t *testing.T) (dir string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "ws")
	write(t, base, map[string]string{"admin.token": "ADMIN-TOKEN-SECRET", "other/secret.txt": "OTHER-CLAW-SECRET"})
	write(t, dir, map[string]string{
		"USER.md":                     "honest user file",
		"memory/2026-01-01.md":        "honest memory",
		"skills/good/SKILL.md":        "---\nname: good\ndescription: an honest skill\n---\nbody",
		"skills/evil-dir/placeholder": "",
	})
	links := map[string]string{
		"AGENTS.md":             "/etc/passwd",
		"SOUL.md":               "../admin.token",
		"TOOLS.md":              "../other/secret.txt",
		"MEMORY.md":             "../admin.token",
		"memory/2026-01-02.md":  "../../admin.token",
		"skills/evil/SKILL.md":  "../../../other/secret.txt",
		"skills/evil-dir/x":     "",
		"HEARTBEAT.md":          "/proc/self/root/etc/passwd",
		"skills/linked":         "../../other",
		"memory/2026-01-03.md":  "/etc/shadow",
		"skills/evil2/SKILL.md": "/etc/shadow",
	}
	for name, target := range links {
		if target == "" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "IDENTITY.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "memory", "2026-01-04.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func secretIn(s string) bool {
	return strings.Contains(s, "root:") || strings.Contains(s, "ADMIN-TOKEN-SECRET") || strings.Contains(s, "OTHER-CLAW-SECRET")
}

func TestPlantedLinksAreNotRead(t *testing.T) {
	t.Parallel()
	dir := plantedWorkspace(t)

	files, problems, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != "USER.md" {
		t.Fatalf("loaded %v", files)
	}
	var reported []string
	for _, p := range problems {
		reported = append(reported, p.Error())
	}
	all := strings.Join(reported, "\n")
	for _, name := range []string{"AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "HEARTBEAT.md", "MEMORY.md"} {
		if !strings.Contains(all, name+" was left out") {
			t.Errorf("%s not reported as left out:\n%s", name, all)
		}
	}
	if !strings.Contains(all, "leads out of the workspace") || !strings.Contains(all, "not a regular file") {
		t.Errorf("reasons missing:\n%s", all)
	}

	mem, err := MemoryFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(mem) != 1 || mem[0].Path != "memory/2026-01-01.md" {
		t.Fatalf("memory files %v", mem)
	}
	for _, m := range mem {
		if secretIn(strings.Join(m.Chunks, " ")) {
			t.Fatalf("secret indexed: %v", m.Chunks)
		}
	}

	skills, sp, err := Skills(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(skills) != 1 || skills[0].Name != "good" || skills[0].Path != "skills/good/SKILL.md" {
		t.Fatalf("skills %v", skills)
	}
	for _, p := range sp {
		if secretIn(p.Error()) {
			t.Fatalf("a problem shows a secret: %v", p)
		}
	}
	if _, _, err := LoadSkill(dir, nil, "evil"); err == nil {
		t.Fatal("a skill behind a link out was loaded")
	}
	if s, body, err := LoadSkill(dir, nil, "good"); err != nil || body != "body" || s.Name != "good" {
		t.Fatalf("LoadSkill(good) = %v %q %v", s, body, err)
	}
}
