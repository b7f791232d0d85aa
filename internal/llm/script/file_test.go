package script_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm/script"
)

func TestLoadFile(t *testing.T) {
	t.Parallel()
	e, err := script.LoadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, wantText, wantArgs string
	}{
		{"how is the weather", "It is sunny, 21 °C.", ""},
		{"List files please", "", `{"command":"ls -l"}`},
		{"remember this", "Noted.", `{"tags":["drinks"],"text":"the user likes tea"}`},
		{"answer slowly", "This reply arrives one word at a time.", ""},
		{"nothing matches", "echo: nothing matches", ""},
	}
	for _, tt := range tests {
		got := e.Decide(user(tt.text))
		var args string
		if len(got.ToolCalls) > 0 {
			args = string(got.ToolCalls[0].Arguments)
		}
		if got.Text != tt.wantText || args != tt.wantArgs {
			t.Errorf("Decide(%q) = %+v, want text %q args %s", tt.text, got, tt.wantText, tt.wantArgs)
		}
	}
}

func TestParseFileJSON(t *testing.T) {
	t.Parallel()
	rules, err := script.ParseFile([]byte(`{"rules": [{"match": "hi", "tools": [{"name": "clock"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := script.New(rules...).Decide(user("hi"))
	if len(got.ToolCalls) != 1 || got.ToolCalls[0].Name != "clock" || string(got.ToolCalls[0].Arguments) != "{}" {
		t.Fatalf("Decide = %+v, want one clock call with {}", got)
	}
}

func TestParseFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "empty script"},
		{"not a mapping", "- a\n", "line 1: want a mapping"},
		{"unknown top key", "rules: []\nrule: []\n", `line 2: unknown key "rule"`},
		{"no rules", "{}\n", "no rules"},
		{"rules not a list", "rules: 3\n", "line 1: rules: want a list"},
		{"unknown rule key", "rules:\n  - match: a\n    replay: b\n", `rule 1: line 3: unknown key "replay"`},
		{"no pattern", "rules:\n  - reply: b\n", "rule 1: line 2: want exactly one of match and regexp"},
		{"both patterns", "rules:\n  - match: a\n    regexp: b\n    reply: c\n", "exactly one of match and regexp"},
		{"bad regexp", "rules:\n  - regexp: \"(\"\n    reply: c\n", "line 2: regexp: error parsing regexp"},
		{"no answer", "rules:\n  - match: a\n", "want reply, tools or script"},
		{"script and reply", "rules:\n  - match: a\n    reply: b\n    script: /say c\n", "script excludes reply and tools"},
		{"bad script", "rules:\n  - match: a\n    script: |\n      /say ok\n      /fail 42\n", "line 3: script: line 2: /fail"},
		{"script without directive", "rules:\n  - match: a\n    script: hello\n", "no directive"},
		{"tool without name", "rules:\n  - match: a\n    tools:\n      - args: {}\n", "line 4: tool: name is required"},
		{"args not a mapping", "rules:\n  - match: a\n    tools:\n      - name: x\n        args: [1]\n", "line 5: args: want a mapping"},
		{"bad tool name", "rules:\n  - match: a\n    tools:\n      - name: \"a b\"\n", `line 4: name "a b"`},
		{"duplicate key", "rules:\n  - match: a\n    match: b\n    reply: c\n", `line 3: key "match" given twice`},
		{"match a list", "rules:\n  - match: [a]\n    reply: c\n", "line 2: match: want a string"},
		{"syntax", "rules:\n  - match: a\n   reply: b\n", "yaml: line "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := script.ParseFile([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseFile(%q) = %v, want an error containing %q", tt.text, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"hello", "/tool a {\"x\": [1, 2]}", "/sleep 1s\n/stream\n/usage 1 2\n/fail 503 x\n/say y", "/tool", "/fail 5xx", "\t/say\ttab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := script.Parse(text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("Parse error %q does not name a line", err)
			}
			return
		}
		for _, tc := range d.ToolCalls {
			if tc.Name == "" || !json.Valid(tc.Arguments) || tc.Arguments[0] != '{' {
				t.Fatalf("tool call %+v: want a name and a JSON object", tc)
			}
		}
		if d.Delay < 0 || d.ChunkDelay < 0 || d.InputTokens < 0 || d.OutputTokens < 0 {
			t.Fatalf("negative values in %+v", d)
		}
		if d.Status != 0 && (d.Status < 400 || d.Status > 599) {
			t.Fatalf("status %d out of range", d.Status)
		}
	})
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte("rules:\n  - match: a\n    reply: b\n"))
	f.Add([]byte(`{"rules": [{"regexp": "x+", "tools": [{"name": "t", "args": {"a": {"b": [1]}}}]}]}`))
	f.Add([]byte("rules:\n  - match: a\n    script: \"/tool x {}\\n/sleep 1s\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := script.ParseFile(data)
		if err != nil {
			return
		}
		e := script.New(rules...)
		for _, r := range rules {
			if r.Contains == "" && r.Regexp == nil {
				t.Fatalf("rule without a pattern: %+v", r)
			}
			got := e.Decide(user(r.Contains))
			for _, tc := range got.ToolCalls {
				if !json.Valid(tc.Arguments) {
					t.Fatalf("invalid arguments %s", tc.Arguments)
				}
			}
		}
	})
}
