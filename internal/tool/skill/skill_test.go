package skill_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/skill"
)

func TestSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := skill.Source{Dir: func(claw.Claw) (string, error) { return dir, nil }}
	c := claw.Claw{Name: "a"}
	if ts, err := src.Tools(t.Context(), c); err != nil || len(ts) != 0 {
		t.Fatalf("no skills: %v, %v", ts, err)
	}
	p := filepath.Join(dir, "skills", "w", "SKILL.md")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("---\nname: weather\ndescription: Look up the weather.\n---\nCall the API."), 0o644)
	ts, err := src.Tools(t.Context(), c)
	if err != nil || len(ts) != 1 || ts[0].Name() != "skill" {
		t.Fatalf("with a skill: %v, %v", ts, err)
	}
	out, err := ts[0].Call(t.Context(), tool.Env{Claw: c}, json.RawMessage(`{"name":"weather"}`))
	if err != nil || !strings.Contains(out, "Call the API.") || !strings.Contains(out, "skills/w") {
		t.Fatalf("load = %q, %v", out, err)
	}
	if _, err := ts[0].Call(t.Context(), tool.Env{Claw: c}, json.RawMessage(`{"name":"nope"}`)); err == nil {
		t.Fatal("unknown skill loaded")
	}
	c.Spec.Skills = []string{"other"}
	if ts, _ := src.Tools(t.Context(), c); len(ts) != 0 {
		t.Fatal("skill tool offered although the allowlist excludes every skill")
	}
}
