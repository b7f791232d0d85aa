package memory_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/memory"
)

func TestMemoryTools(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tools := map[string]tool.Tool{}
	for _, tl := range memory.Tools(st) {
		tools[tl.Name()] = tl
		if !json.Valid(tl.Schema()) || tl.Description() == "" {
			t.Fatalf("%s: bad schema or description", tl.Name())
		}
	}
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "MEMORY.md"), []byte("The user's dog is named Rex."), 0o644)
	env := tool.Env{Claw: claw.Claw{Tenant: claw.DefaultTenant, Name: "a"}, Workspace: ws}
	other := tool.Env{Claw: claw.Claw{Tenant: "other", Name: "a"}}
	call := func(env tool.Env, name, args string) (string, error) {
		return tools[name].Call(t.Context(), env, json.RawMessage(args))
	}
	out, err := call(env, "memory_write", `{"text":"Favourite colour is teal","tags":["prefs"]}`)
	if err != nil || !strings.Contains(out, `"stored":true`) {
		t.Fatalf("write = %s, %v", out, err)
	}
	var w struct{ ID int64 }
	json.Unmarshal([]byte(out), &w)
	out, err = call(env, "memory_search", `{"query":"what colour?"}`)
	if err != nil || !strings.Contains(out, "teal") || !strings.Contains(out, `"prefs"`) {
		t.Fatalf("search = %s, %v", out, err)
	}
	if out, err := call(env, "memory_search", `{"query":"dog","limit":1}`); err != nil || !strings.Contains(out, "Rex") || !strings.Contains(out, `"source":"MEMORY.md"`) {
		t.Fatalf("search of the workspace file = %s, %v", out, err)
	}
	if out, err := call(other, "memory_search", `{"query":"teal"}`); err != nil || out != `{"results":[]}` {
		t.Fatalf("other tenant's search = %s, %v", out, err)
	}
	if _, err := call(other, "memory_get", fmt.Sprintf(`{"id":%d}`, w.ID)); err == nil {
		t.Fatal("other tenant read the memory")
	}
	if out, err := call(env, "memory_get", fmt.Sprintf(`{"id":%d}`, w.ID)); err != nil || !strings.Contains(out, "teal") {
		t.Fatalf("get = %s, %v", out, err)
	}
	if out, err := call(env, "memory_forget", fmt.Sprintf(`{"id":%d}`, w.ID)); err != nil || !strings.Contains(out, `"forgotten":true`) {
		t.Fatalf("forget = %s, %v", out, err)
	}
	for _, tt := range []struct{ tool, args, want string }{
		{"memory_write", `{"text":"  "}`, "text is required"},
		{"memory_write", `{"text":"x","tags":["two words"]}`, "tag"},
		{"memory_write", `{"text":"` + strings.Repeat("x", memory.MaxText+1) + `"}`, "at most"},
		{"memory_write", `{"text":"x","extra":1}`, "unknown field"},
		{"memory_search", `{"query":"x","limit":500}`, "limit"},
		{"memory_search", `{"query":"!!"}`, "no words"},
		{"memory_get", `{"id":"seven"}`, "arguments"},
		{"memory_forget", fmt.Sprintf(`{"id":%d}`, w.ID), "not found"},
	} {
		if _, err := call(env, tt.tool, tt.args); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %s = %v, want %q", tt.tool, tt.args, err, tt.want)
		}
	}
}
