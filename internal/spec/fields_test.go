package spec

import "testing"

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"model", "modle", 2},
		{"max_steps", "max_stepz", 1},
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	fields := []field{{name: "name"}, {name: "model"}, {name: "instructions"}, {name: "tools"}, {name: "limits"}}
	tests := []struct{ key, want string }{
		{"modle", "model"},
		{"Model", "model"},
		{"instrucshuns", "instructions"}, // 4 edits, within a third of 12
		{"tool", "tools"},
		{"colour", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.key, fields); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
