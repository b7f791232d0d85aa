package openclaw

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestToJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{a: 1}`, `{"a":1}`},
		{`{ "a": [1, 2,], }`, `{"a":[1,2]}`},
		{"{// comment\n a: 'it''s'}", ``},
		{"{a: 'x', /* block */ b: true, c: null}", `{"a":"x","b":true,"c":null}`},
		{`{a: 'say "hi"'}`, `{"a":"say \"hi\""}`},
		{`{a: "http://x//y"}`, `{"a":"http://x//y"}`},
		{`{a: 'don\'t'}`, `{"a":"don't"}`},
		{`{$a_1: -1.5e3}`, `{"$a_1":-1.5e3}`},
	}
	for _, tt := range tests {
		got, err := ToJSON([]byte(tt.in))
		if tt.want == "" {
			if err == nil && json.Valid(got) {
				t.Errorf("ToJSON(%q) = %s, want an error or invalid JSON", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ToJSON(%q): %v", tt.in, err)
			continue
		}
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Errorf("ToJSON(%q) = %s: %v", tt.in, got, err)
			continue
		}
		json.Unmarshal([]byte(tt.want), &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("ToJSON(%q) = %s, want %s", tt.in, ja, jb)
		}
	}
	for _, bad := range []string{`{a: 'open`, `/* open`, `{a: Infinity}`} {
		if _, err := ToJSON([]byte(bad)); err == nil {
			t.Errorf("ToJSON(%q) gave no error", bad)
		}
	}
}

func FuzzToJSON(f *testing.F) {
	f.Add([]byte(`{agents: {list: [{id: 'main', model: "a/b",},],}} // x`))
	f.Add([]byte(`{"a": "\u00e9\n"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := ToJSON(in)
		if err == nil && json.Valid(in) && !json.Valid(out) {
			t.Fatalf("valid JSON %q became invalid %q", in, out)
		}
	})
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	ws := filepath.Join(root, "workspace-Work")
	writeTree(t, root, map[string]string{
		"openclaw.json": `{
  // OpenClaw config
  gateway: { port: 18789 },
  agents: {
    defaults: { model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["openai/gpt-4o"] }, bootstrapMaxChars: 20000,
      heartbeat: { every: "45m", target: "last" } },
    list: [
      { id: "main", default: true },
      { id: "Work", workspace: "` + ws + `", skills: ["pdf-tools"], contextTokens: 50000, identity: { name: "Worker" } },
    ],
  },
}`,
		"workspace-Work/SOUL.md":              "calm",
		"workspace-Work/AGENTS.md":            "rules",
		"workspace-Work/BOOTSTRAP.md":         "ritual",
		"workspace-Work/skills/pdf/SKILL.md":  "---\nname: pdf-tools\ndescription: d\n---\n",
		"workspace-Work/.git/HEAD":            "ref",
		"workspace-Work/memory/2026-01-02.md": "note",
	})
	imp, err := Read(Options{Dir: ws})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Agent != "Work" || imp.Spec.Name != "work" || imp.Spec.Model != "anthropic/claude-sonnet-4-5" || imp.Spec.ContextTokens != 50000 ||
		len(imp.Spec.Skills) != 1 || imp.Spec.Skills[0] != "pdf-tools" || imp.Spec.Heartbeat == nil || imp.Spec.Heartbeat.Every.Std() != 45*time.Minute {
		t.Fatalf("import = %+v", imp)
	}
	if got := strings.Join(imp.Files, ","); got != "AGENTS.md,BOOTSTRAP.md,SOUL.md,memory/2026-01-02.md,skills/pdf/SKILL.md" {
		t.Fatalf("files = %s", got)
	}
	unmapped := strings.Join(imp.Unmapped, "\n")
	for _, want := range []string{"gateway", "model.fallbacks", "agents entry identity", "agents.defaults.bootstrapMaxChars", "heartbeat.target", ".git/", "BOOTSTRAP.md"} {
		if !strings.Contains(unmapped, want) {
			t.Errorf("unmapped lacks %q:\n%s", want, unmapped)
		}
	}
	// --name and --model win; without a config a model is required.
	imp, err = Read(Options{Dir: ws, Name: "other", Model: "fake/m"})
	if err != nil || imp.Spec.Name != "other" || imp.Spec.Model != "fake/m" {
		t.Fatalf("overrides: %+v, %v", imp, err)
	}
	bare := t.TempDir()
	writeTree(t, bare, map[string]string{"SOUL.md": "x"})
	if _, err := Read(Options{Dir: bare}); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Fatalf("no model: %v", err)
	}
	if _, err := Read(Options{Dir: filepath.Join(bare, "missing"), Model: "a/b"}); err == nil {
		t.Fatal("missing dir imported")
	}
}
