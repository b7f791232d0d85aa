package tool_test

import (
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/tool"
)

func TestEcho(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args, want, wantErr string
	}{
		{`{"text":"hi"}`, "hi", ""},
		{`{"text":""}`, "", ""},
		{`{}`, "", "missing required argument"},
		{`[1]`, "", "must be a JSON object"},
	}
	for _, tt := range tests {
		got, err := tool.Echo{}.Call(t.Context(), tool.Env{}, []byte(tt.args))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Call(%s) error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Call(%s) = %q, %v; want %q", tt.args, got, err, tt.want)
		}
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	r := tool.NewRegistry(tool.Echo{})
	if ts, err := r.Select([]string{"echo"}); err != nil || len(ts) != 1 {
		t.Fatalf("Select(echo) = %v, %v", ts, err)
	}
	_, err := r.Select([]string{"echo", "nope"})
	if err == nil || !strings.Contains(err.Error(), "unknown tool nope (available: echo)") {
		t.Fatalf("Select(nope) error = %v", err)
	}
}
