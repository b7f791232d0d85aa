package spec_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	base := claw.Spec{
		Name: "bot", Model: "a/x", Instructions: "Be brief.", Tools: []string{"echo"},
		Limits: claw.Limits{MaxSteps: 10},
	}
	long120 := strings.Repeat("abcdefghij", 12)
	long340 := strings.Repeat("0123456789", 34)
	tests := []struct {
		name     string
		from, to claw.Spec
		want     []string
	}{
		{name: "same", from: base, to: base, want: nil},
		{
			name: "changed model",
			from: base,
			to:   with(base, func(s *claw.Spec) { s.Model = "a/y" }),
			want: []string{`~ model: "a/x" -> "a/y"`},
		},
		{
			name: "tools added",
			from: with(base, func(s *claw.Spec) { s.Tools = nil }),
			to:   base,
			want: []string{`+ tools: [echo]`},
		},
		{
			name: "tools changed",
			from: base,
			to:   with(base, func(s *claw.Spec) { s.Tools = []string{"echo", "web_fetch"} }),
			want: []string{`~ tools: [echo] -> [echo, web_fetch]`},
		},
		{
			name: "limits removed",
			from: base,
			to:   with(base, func(s *claw.Spec) { s.Limits = claw.Limits{} }),
			want: []string{`- limits.max_steps: 10`},
		},
		{
			name: "limits added and changed",
			from: base,
			to: with(base, func(s *claw.Spec) {
				s.Limits = claw.Limits{MaxSteps: 20, RunTimeout: claw.Duration(5 * time.Minute)}
			}),
			want: []string{`~ limits.max_steps: 10 -> 20`, `+ limits.run_timeout: "5m0s"`},
		},
		{
			name: "long instructions changed",
			from: with(base, func(s *claw.Spec) { s.Instructions = long120 }),
			to:   with(base, func(s *claw.Spec) { s.Instructions = long340 }),
			want: []string{`~ instructions: (changed, 120 -> 340 chars)`},
		},
		{
			name: "multi-line instructions changed",
			from: base,
			to:   with(base, func(s *claw.Spec) { s.Instructions = "Be brief.\nBe kind." }),
			want: []string{`~ instructions: (changed, 9 -> 18 chars)`},
		},
		{
			name: "long instructions removed",
			from: with(base, func(s *claw.Spec) { s.Instructions = long120 }),
			to:   with(base, func(s *claw.Spec) { s.Instructions = "" }),
			want: []string{`- instructions: "` + long120[:60] + `"... (120 chars)`},
		},
		{
			name: "everything, in field order",
			from: claw.Spec{Name: "a", Model: "p/m"},
			to: claw.Spec{Name: "b", Model: "p/m", Instructions: "Hi.", Tools: []string{"echo", "odd name"},
				Limits: claw.Limits{MaxTokens: 5}},
			want: []string{
				`~ name: "a" -> "b"`,
				`+ instructions: "Hi."`,
				`+ tools: [echo, "odd name"]`,
				`+ limits.max_tokens: 5`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := spec.Diff(tt.from, tt.to); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// with returns a copy of s changed by f.
func with(s claw.Spec, f func(*claw.Spec)) claw.Spec {
	s.Tools = append([]string(nil), s.Tools...)
	f(&s)
	return s
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	yamlSpec := "limits:\n  run_timeout: 600s\n  max_steps: 5\ntools: [echo]\nmodel: a/b\nname: bot\ninstructions: \"<b>&</b>\"\n"
	jsonSpec := `{"name":"bot","model":"a/b","instructions":"<b>&</b>","tools":["echo"],"limits":{"max_steps":5,"run_timeout":"10m"}}`
	want := `{"name":"bot","model":"a/b","instructions":"<b>&</b>","tools":["echo"],"limits":{"max_steps":5,"run_timeout":"10m0s"}}`
	for _, in := range []string{yamlSpec, jsonSpec} {
		s, err := spec.Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := spec.Canonical(s)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("Canonical(%q) =\n%s\nwant\n%s", in, got, want)
		}
		again, _ := spec.Canonical(s)
		if !bytes.Equal(got, again) {
			t.Error("Canonical is not stable")
		}
	}
	minimal, _ := spec.Canonical(claw.Spec{Name: "a", Model: "a/b", Tools: []string{}})
	if string(minimal) != `{"name":"a","model":"a/b"}` {
		t.Errorf("Canonical of a minimal spec = %s", minimal)
	}
}
