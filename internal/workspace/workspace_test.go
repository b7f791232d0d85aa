package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"SOUL.md":   "be kind",
		"AGENTS.md": "do the work",
		"USER.md":   "   \n",
		"NOTES.md":  "not a bootstrap file",
		"TOOLS.md":  strings.Repeat("t", MaxFileBytes+500),
	})
	files, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "AGENTS.md,SOUL.md,TOOLS.md" {
		t.Fatalf("loaded %s; want AGENTS.md,SOUL.md,TOOLS.md (blank, unknown files skipped, fixed order)", got)
	}
	if tools := files[2]; !tools.Truncated || len(tools.Content) > MaxFileBytes || !strings.Contains(tools.Content, "cut to fit") {
		t.Fatalf("TOOLS.md not capped: truncated=%v len=%d", tools.Truncated, len(tools.Content))
	}
	if files, _, err := Load(filepath.Join(dir, "missing")); err != nil || len(files) != 0 {
		t.Fatalf("missing dir = %v, %v", files, err)
	}
}

func TestLoadTotalCap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := strings.Repeat("x", MaxFileBytes)
	write(t, dir, map[string]string{"AGENTS.md": big, "SOUL.md": big, "TOOLS.md": big, "IDENTITY.md": big, "USER.md": big, "HEARTBEAT.md": big, "MEMORY.md": big})
	files, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		total += len(f.Content)
	}
	if total > MaxTotalBytes || len(files) != 5 {
		t.Fatalf("%d files of %d bytes in all; want 5 within %d", len(files), total, MaxTotalBytes)
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("héllo wörld ", 500)
	for _, n := range []int{0, 5, 50, 100, 1000, len(text)} {
		got := Cut(text, n, "F.md")
		if len(got) > n || !utf8.ValidString(got) {
			t.Errorf("Cut(%d) = %d bytes, valid %v", n, len(got), utf8.ValidString(got))
		}
	}
	if Cut("short", 10, "F.md") != "short" {
		t.Error("short text changed")
	}
}

func TestChunks(t *testing.T) {
	t.Parallel()
	text := "# Facts\nlikes tea\n\nlives in Lyon\n\n" + strings.Repeat("long line of words\n", 200) + "\n## Other\nend"
	chunks := Chunks(text, 300)
	if len(chunks) < 5 {
		t.Fatalf("%d chunks", len(chunks))
	}
	joined := strings.Join(chunks, "\n")
	for _, c := range chunks {
		if len(c) > 300 || strings.TrimSpace(c) == "" {
			t.Fatalf("chunk of %d bytes: %q", len(c), c)
		}
	}
	for _, want := range []string{"likes tea", "lives in Lyon", "## Other\nend"} {
		if !strings.Contains(joined, want) {
			t.Errorf("chunks lost %q", want)
		}
	}
}

func TestMemoryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"MEMORY.md":             "prefers tea",
		"memory/2026-01-02.md":  "went hiking",
		"memory/2026-13-40.md":  "not a date",
		"memory/notes.md":       "not daily",
		"memory/2026-01-03.txt": "wrong extension",
	})
	files, err := MemoryFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "MEMORY.md" || files[1].Path != "memory/2026-01-02.md" || files[1].Chunks[0] != "went hiking" || files[0].Hash == files[1].Hash {
		t.Fatalf("MemoryFiles = %+v", files)
	}
}

func TestParseSkill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, err, body string
	}{
		{"ok", "---\nname: pdf-tools\ndescription: Work with PDF files.\n---\n# Steps\nrun it", "", "# Steps\nrun it"},
		{"crlf", "---\r\nname: a\r\ndescription: d\r\n---\r\nbody", "", "body"},
		{"no front matter", "# hi", "must start", ""},
		{"unclosed", "---\nname: a\n", "no closing", ""},
		{"bad name", "---\nname: Bad Name\ndescription: d\n---\n", "lowercase", ""},
		{"no description", "---\nname: a\n---\n", "no description", ""},
		{"bad yaml", "---\nname: [a\n---\n", "front matter", ""},
		{"long description", "---\nname: a\ndescription: " + strings.Repeat("d", 1025) + "\n---\n", "longer", ""},
		{"closing glued", "---\nname: a\ndescription: d\n---x\n", "must end", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, body, err := ParseSkill([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || body != tt.body || s.Name == "" || s.Description == "" {
				t.Fatalf("= %+v, %q, %v", s, body, err)
			}
		})
	}
}

func TestSkills(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"skills/b/SKILL.md":      "---\nname: beta\ndescription: second\n---\nbeta body",
		"skills/a/SKILL.md":      "---\nname: alpha\ndescription: first\n---\nalpha body",
		"skills/broken/SKILL.md": "no front matter",
		"skills/empty/README.md": "not a skill",
	})
	skills, problems, err := Skills(dir, nil)
	if err != nil || len(skills) != 2 || skills[0].Name != "alpha" || skills[1].Name != "beta" || len(problems) != 1 {
		t.Fatalf("Skills = %+v, %v, %v", skills, problems, err)
	}
	if skills, _, _ := Skills(dir, []string{"beta"}); len(skills) != 1 || skills[0].Name != "beta" {
		t.Fatalf("allowlist: %+v", skills)
	}
	if _, body, err := LoadSkill(dir, nil, "alpha"); err != nil || body != "alpha body" {
		t.Fatalf("LoadSkill = %q, %v", body, err)
	}
	if _, _, err := LoadSkill(dir, []string{"beta"}, "alpha"); err == nil {
		t.Fatal("LoadSkill ignored the allowlist")
	}
}

func FuzzParseSkill(f *testing.F) {
	f.Add([]byte("---\nname: a\ndescription: d\n---\nbody"))
	f.Add([]byte("---\nname: [\n---"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := ParseSkill(data)
		if err == nil && (!skillNameRE.MatchString(s.Name) || s.Description == "") {
			t.Fatalf("accepted invalid skill %+v", s)
		}
	})
}

func FuzzChunks(f *testing.F) {
	f.Add("# a\nb\n\nc", 10)
	f.Fuzz(func(t *testing.T, text string, n int) {
		if n < 4 || n > 5000 {
			return
		}
		for _, c := range Chunks(text, n) {
			if len(c) > n {
				t.Fatalf("chunk of %d > %d", len(c), n)
			}
		}
	})
}
