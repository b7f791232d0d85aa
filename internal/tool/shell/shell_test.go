package shell

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/tool"
)

func TestArguments(t *testing.T) {
	t.Parallel()
	sh := &Tool{Runner: &sandbox.Runner{}}
	tests := []struct{ args, env, want string }{
		{`{}`, "/w", `missing required argument "command"`},
		{`{"command":""}`, "/w", `missing required argument "command"`},
		{`{"command":"ls","cwd":"/"}`, "/w", "unknown field"},
		{`["ls"]`, "/w", "must be a JSON object"},
		{`{"command":"` + strings.Repeat("x", MaxCommand+1) + `"}`, "/w", "over"},
		{`{"command":"ls"}`, "", "no workspace"},
	}
	for _, tt := range tests {
		_, err := sh.Call(t.Context(), tool.Env{Workspace: tt.env}, json.RawMessage(tt.args))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Call(%.40s) error %v, want %q", tt.args, err, tt.want)
		}
	}
	var schema map[string]any
	if err := json.Unmarshal(sh.Schema(), &schema); err != nil || schema["required"].([]any)[0] != "command" {
		t.Fatalf("schema %s: %v", sh.Schema(), err)
	}
	if sh.Idempotent() {
		t.Error("shell must not be idempotent")
	}
}

func TestCapped(t *testing.T) {
	t.Parallel()
	c := &capped{max: 5}
	c.Write([]byte("abc"))
	c.Write([]byte("defgh"))
	c.Write([]byte("ij"))
	if c.String() != "abcde" || c.dropped != 5 {
		t.Fatalf("kept %q, dropped %d", c.String(), c.dropped)
	}
	c = &capped{max: 2}
	c.Write([]byte("é")) // 2 bytes, kept whole
	c.Write([]byte("é"))
	if c.String() != "é" {
		t.Fatalf("got %q", c.String())
	}
	c = &capped{max: 1}
	c.Write([]byte("é")) // cut inside a rune: replaced, never invalid UTF-8
	if c.String() != "\uFFFD" {
		t.Fatalf("got %q", c.String())
	}
}
