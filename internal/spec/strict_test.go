package spec_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

type inner struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
}

type Embedded struct {
	E string `json:"e"`
}

// doc exercises what DecodeStrict must follow of encoding/json.
type doc struct {
	Embedded
	S     string            `json:"s"`
	P     *int              `json:"p,omitempty"`
	U     uint8             `json:"u,omitempty"`
	F     float64           `json:"f,omitempty"`
	Bool  bool              `json:"bool,omitempty"`
	Items []inner           `json:"items,omitempty"`
	M     map[string]inner  `json:"m,omitempty"`
	MS    map[string]string `json:"ms,omitempty"`
	Any   any               `json:"any,omitempty"`
	Raw   json.RawMessage   `json:"raw,omitempty"`
	T     time.Time         `json:"t,omitzero"`
	D     claw.Duration     `json:"d,omitzero"`
	DP    *claw.Duration    `json:"dp,omitempty"`
	Q     int               `json:"q,string,omitempty"`
	Bytes []byte            `json:"bytes,omitempty"`
	Arr   [2]int            `json:"arr,omitzero"`
	Skip  string            `json:"-"`
	NoTag string
	_     string
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	seven := 7
	tests := []struct {
		name string
		in   string
		want doc
		errs []string
	}{
		{
			name: "every kind",
			in: `e: embedded
s: text
p: 7
u: 255
f: 1.5
bool: true
items:
  - {a: 1, b: x}
  - a: 2
m:
  k: {a: 3}
ms: {"x.y": z}
any: {list: [1, two, null], n: 1.5}
raw: [1, {a: b}]
t: 2024-01-02T03:04:05Z
d: 90s
dp: 1m
q: 42
bytes: aGk=
arr: [1, 2]
NoTag: yes
`,
			want: doc{
				Embedded: Embedded{E: "embedded"}, S: "text", P: &seven, U: 255, F: 1.5, Bool: true,
				Items: []inner{{A: 1, B: "x"}, {A: 2}},
				M:     map[string]inner{"k": {A: 3}},
				MS:    map[string]string{"x.y": "z"},
				Any:   map[string]any{"list": []any{1.0, "two", nil}, "n": 1.5},
				Raw:   json.RawMessage(`[1,{"a":"b"}]`),
				T:     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
				D:     claw.Duration(90 * time.Second), DP: ptr(claw.Duration(time.Minute)),
				Q: 42, Bytes: []byte("hi"), Arr: [2]int{1, 2}, NoTag: "yes",
			},
		},
		{
			name: "nulls",
			in:   "s: ~\np: null\nitems: [~]\nm: {k: }\nd:\n",
			want: doc{Items: []inner{{}}, M: map[string]inner{"k": {}}},
		},
		{
			name: "hex and underscores",
			in:   "u: 0x10\nf: 1_000\n",
			want: doc{U: 16, F: 1000},
		},
		{
			name: "problems everywhere",
			in: `s: {a: 1}
u: 256
f: .inf
bool: yes
items:
  - {a: 1}
  - {a: x, c: 2}
m:
  k: {aa: 1}
  k: {a: 1}
d: 10 minutes
dp: [1]
t: yesterday
q: [1]
arr: [1, 2, 3]
Skip: x
_: y
e: [e]
`,
			errs: []string{
				`line 1: s: expected a string, got a mapping`,
				`line 2: u: integer 256 is out of range`,
				`line 3: f: number .inf is out of range`,
				`line 4: bool: expected a boolean (true or false), got "yes"`,
				`line 7: items[1].a: expected an integer, got "x"`,
				`line 7: unknown key "c" in items[1] (did you mean "a"?)`,
				`line 9: unknown key "aa" in m.k (did you mean "a"?)`,
				`line 10: duplicate key "k" in m (first at line 9)`,
				`line 11: d: invalid duration "10 minutes"`,
				`line 12: dp: duration must be a string such as "90s"`,
				`line 13: t: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`,
				`line 14: q: expected an integer, got a list`,
				`line 15: arr: expected at most 2 items, got 3`,
				`line 16: unknown key "Skip" in doc`,
				`line 17: unknown key "_" in doc (did you mean "e"?)`,
				`line 18: e: expected a string, got a list`,
			},
		},
		{
			name: "negative unsigned",
			in:   "u: -1\n",
			errs: []string{`line 1: u: expected a non-negative integer, got -1`},
		},
		{
			name: "non-string key",
			in:   "? [a]\n: 1\n",
			errs: []string{`line 1: keys in doc must be strings, got a list`},
		},
		{
			name: "deep nesting",
			in:   "any: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n",
			errs: []string{"document is nested too deeply or too large"}, // checked by substring below
		},
		{
			name: "alias expansion",
			in: `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
any: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
`,
			errs: []string{"document is nested too deeply or too large"}, // checked by substring below
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got doc
			err := spec.DecodeStrict([]byte(tt.in), &got)
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("DecodeStrict: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("DecodeStrict:\n got %#v\nwant %#v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeStrict succeeded with %#v", got)
			}
			if !reflect.DeepEqual(got, doc{}) {
				t.Errorf("out was written despite problems: %#v", got)
			}
			lines := problemLines(t, err)
			if tt.name == "alias expansion" || tt.name == "deep nesting" {
				if !strings.Contains(claw.ErrorMessage(err), tt.errs[0]) {
					t.Errorf("problems %q lack %q", lines, tt.errs[0])
				}
				return
			}
			if !reflect.DeepEqual(lines, tt.errs) {
				t.Errorf("problems:\n got %q\nwant %q", lines, tt.errs)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDecodeStrictKeepsUnsetFields(t *testing.T) {
	t.Parallel()
	got := doc{S: "default", U: 3}
	if err := spec.DecodeStrict([]byte("u: 4\n"), &got); err != nil {
		t.Fatal(err)
	}
	if want := (doc{S: "default", U: 4}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestDecodeStrictErrors(t *testing.T) {
	t.Parallel()
	var d doc
	if err := spec.DecodeStrict([]byte("s: x"), d); err == nil || spec.Problems(err) != nil {
		t.Errorf("non-pointer: err = %v, want a plain error", err)
	}
	if err := spec.DecodeStrict([]byte("s: x"), (*doc)(nil)); err == nil {
		t.Error("nil pointer: no error")
	}
	err := spec.DecodeStrict([]byte("# just a comment\n"), &d)
	if !errors.Is(err, spec.ErrEmptyDocument) || claw.ErrorCode(err) != claw.EUNPROCESSABLE {
		t.Errorf("empty: err = %v (code %q), want ErrEmptyDocument and %q", err, claw.ErrorCode(err), claw.EUNPROCESSABLE)
	}
	var ce *claw.Error
	if !errors.As(spec.DecodeStrict([]byte("x: 1"), &d), &ce) || ce.Code != claw.EUNPROCESSABLE {
		t.Errorf("unknown key: want a *claw.Error with code %q in the chain", claw.EUNPROCESSABLE)
	}
}

func TestDecodeStrictCapsProblems(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "unknown%d: 1\n", i)
	}
	var d doc
	ps := spec.Problems(spec.DecodeStrict([]byte(b.String()), &d))
	if len(ps) != 51 || ps[50].Message != "and 10 more problems" {
		t.Fatalf("got %d problems, last %+v; want 50 and a count of the rest", len(ps), ps[len(ps)-1])
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	var d doc
	lines, err := spec.DecodeStrictLines([]byte("s: x\nitems:\n  - a: 1\n    b: y\nms:\n  \"a.b\": c\n"), &d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want int
	}{
		{"s", 1},
		{"items", 2},
		{"items[0]", 3},
		{"items[0].b", 4},
		{"items[0].c", 3},
		{"items[7].a", 2},
		{`ms["a.b"]`, 6},
		{`ms["a.b"].x`, 6},
		{`ms["x[\"y"]`, 5},
		{"nothing", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := lines.Line(tt.path); got != tt.want {
			t.Errorf("Line(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
}

func TestJoinPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ parent, key, want string }{
		{"", "name", "name"},
		{"limits", "max_steps", "limits.max_steps"},
		{"providers", "my-host_1", "providers.my-host_1"},
		{"providers", "my.host", `providers["my.host"]`},
		{"", "a b", `["a b"]`},
		{"m", "", `m[""]`},
	}
	for _, tt := range tests {
		if got := spec.JoinPath(tt.parent, tt.key); got != tt.want {
			t.Errorf("JoinPath(%q, %q) = %q, want %q", tt.parent, tt.key, got, tt.want)
		}
	}
}

func TestUnrelated(t *testing.T) {
	t.Parallel()
	earlier := []spec.Problem{{Path: "tools[1]"}, {Path: "limits"}}
	later := []spec.Problem{{Path: "tools[1]"}, {Path: "tools[10]"}, {Path: "limits.max_steps"}, {Path: "name"}, {}}
	want := []spec.Problem{{Path: "tools[10]"}, {Path: "name"}, {}}
	if got := spec.Unrelated(earlier, later); !reflect.DeepEqual(got, want) {
		t.Errorf("Unrelated = %+v, want %+v", got, want)
	}
}
