package spec_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

// FuzzParse checks that Parse never panics, that what it accepts passes
// Validate, and that Canonical then Parse gives back the same spec.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"name: a\nmodel: a/b\n",
		"name: bot\nmodel: openai/gpt-4o\ninstructions: |\n  Hi.\ntools: [echo, web_fetch]\nlimits: {max_steps: 10, max_tokens: 100, run_timeout: 90s}\n",
		`{"name":"bot","model":"a/b/c","instructions":"\u00e9\ud83d\ude00\/","tools":[],"limits":{"run_timeout":"1h"}}`,
		"name: &n a\nmodel: *n\n",
		"modle: x\nlimits:\n  max_stepz: ten\n",
		"a: &a [*a]\n",
		"---\n---\n",
		"name: a\nmodel: a/b\n---\nname: b\n",
		"? [a]\n: b\n",
		"name: !!binary aGk=\nmodel: !custom a/b\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse(data)
		if err != nil {
			if claw.ErrorCode(err) != claw.EUNPROCESSABLE || len(spec.Problems(err)) == 0 {
				t.Fatalf("Parse error %v: want EUNPROCESSABLE with problems", err)
			}
			return
		}
		if err := spec.Validate(s); err != nil {
			t.Fatalf("Parse accepted a spec Validate rejects: %v", err)
		}
		canon, err := spec.Canonical(s)
		if err != nil {
			t.Fatalf("Canonical: %v", err)
		}
		again, err := spec.Parse(canon)
		if err != nil {
			t.Fatalf("Parse(Canonical(%#v)) = %v\ncanonical: %s", s, err, canon)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", again, s)
		}
		if canon2, _ := spec.Canonical(again); !bytes.Equal(canon, canon2) {
			t.Fatalf("Canonical not stable: %s vs %s", canon, canon2)
		}
		if d := spec.Diff(s, again); d != nil {
			t.Fatalf("Diff of equal specs = %q", d)
		}
	})
}
