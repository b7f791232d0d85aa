package spec_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

// problemLines renders err's problems as "line N: message" strings.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	ps := spec.Problems(err)
	if len(ps) == 0 {
		t.Fatalf("error %v carries no problems", err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want claw.Spec
		errs []string // every problem, in order; nil for success
	}{
		{
			name: "full YAML",
			in: `name: support-bot
model: openai/gpt-4o
instructions: |
  You answer questions.
tools: [echo, web_fetch]
limits:
  max_steps: 10
  max_tokens: 50000
  run_timeout: 90s
`,
			want: claw.Spec{
				Name: "support-bot", Model: "openai/gpt-4o", Instructions: "You answer questions.\n",
				Tools:  []string{"echo", "web_fetch"},
				Limits: claw.Limits{MaxSteps: 10, MaxTokens: 50000, RunTimeout: claw.Duration(90 * time.Second)},
			},
		},
		{
			name: "minimal YAML",
			in:   "name: a\nmodel: anthropic/claude-sonnet-4\n",
			want: claw.Spec{Name: "a", Model: "anthropic/claude-sonnet-4"},
		},
		{
			name: "JSON",
			in:   `{"name": "bot", "model": "openrouter/meta-llama/llama-3", "tools": ["echo"], "limits": {"run_timeout": "10m"}}`,
			want: claw.Spec{Name: "bot", Model: "openrouter/meta-llama/llama-3", Tools: []string{"echo"},
				Limits: claw.Limits{RunTimeout: claw.Duration(10 * time.Minute)}},
		},
		{
			name: "JSON with escapes YAML lacks",
			in:   "{\n\t\"name\": \"bot\",\n\t\"model\": \"a/b\",\n\t\"instructions\": \"x\\/y \\ud83d\\ude00\"\n}",
			want: claw.Spec{Name: "bot", Model: "a/b", Instructions: "x/y 😀"},
		},
		{
			name: "empty tools and null limits are unset",
			in:   "name: a\nmodel: a/b\ntools: []\nlimits:\ninstructions: ~\n",
			want: claw.Spec{Name: "a", Model: "a/b"},
		},
		{
			name: "numbers accepted as strings",
			in:   "name: 123\nmodel: a/1.10\n",
			want: claw.Spec{Name: "123", Model: "a/1.10"},
		},
		{
			name: "trailing document marker",
			in:   "name: a\nmodel: a/b\n---\n",
			want: claw.Spec{Name: "a", Model: "a/b"},
		},
		{
			name: "unknown key with suggestion",
			in:   "name: a\nmodle: a/b\n",
			errs: []string{`line 2: unknown key "modle" in spec (did you mean "model"?)`},
		},
		{
			name: "unknown key without suggestion",
			in:   "name: a\nmodel: a/b\ncolour: red\n",
			errs: []string{`line 3: unknown key "colour" in spec`},
		},
		{
			name: "case is not ignored",
			in:   "Name: a\nmodel: a/b\n",
			errs: []string{`line 1: unknown key "Name" in spec (did you mean "name"?)`},
		},
		{
			name: "nested unknown key",
			in:   "name: a\nmodel: a/b\nlimits:\n  max_stepz: 3\n",
			errs: []string{`line 4: unknown key "max_stepz" in limits (did you mean "max_steps"?)`},
		},
		{
			name: "unknown key in JSON",
			in:   "{\n  \"name\": \"a\",\n  \"model\": \"a/b\",\n  \"tool\": [\"echo\"]\n}",
			errs: []string{`line 4: unknown key "tool" in spec (did you mean "tools"?)`},
		},
		{
			name: "wrong kinds",
			in:   "name: [a]\nmodel: {x: 1}\ntools: echo\nlimits:\n  max_steps: ten\n  max_tokens: 1.5\n",
			errs: []string{
				`line 1: name: expected a string, got a list`,
				`line 2: model: expected a string, got a mapping`,
				`line 3: tools: expected a list, got "echo"`,
				`line 5: limits.max_steps: expected an integer, got "ten"`,
				`line 6: limits.max_tokens: expected an integer, got 1.5`,
			},
		},
		{
			name: "JSON string for an integer",
			in:   `{"name": "a", "model": "a/b", "limits": {"max_steps": "10"}}`,
			errs: []string{`line 1: limits.max_steps: expected an integer, got "10"`},
		},
		{
			name: "integer out of range",
			in:   "name: a\nmodel: a/b\nlimits:\n  max_tokens: 99999999999999999999999\n",
			errs: []string{`line 4: limits.max_tokens: expected an integer, got 99999999999999999999999`},
		},
		{
			name: "limits not a mapping",
			in:   "name: a\nmodel: a/b\nlimits: 5\n",
			errs: []string{`line 3: limits: expected a mapping, got 5`},
		},
		{
			name: "document not a mapping",
			in:   "- name: a\n",
			errs: []string{`line 1: expected a mapping, got a list`},
		},
		{
			name: "duplicate key",
			in:   "name: a\nmodel: a/b\nname: b\n",
			errs: []string{`line 3: duplicate key "name" in spec (first at line 1)`},
		},
		{
			name: "duplicate key in JSON",
			in:   `{"name": "a", "model": "a/b", "limits": {"max_steps": 1, "max_steps": 2}}`,
			errs: []string{`line 1: duplicate key "max_steps" in limits (first at line 1)`},
		},
		{
			name: "merge keys",
			in:   "base: &b {max_steps: 1}\nname: a\nmodel: a/b\nlimits:\n  <<: *b\n",
			errs: []string{
				`line 1: unknown key "base" in spec (did you mean "name"?)`,
				`line 5: merge keys (<<) are not supported, in limits`,
			},
		},
		{
			name: "aliases",
			in:   "name: &n a\nmodel: a/b\ninstructions: *n\n",
			want: claw.Spec{Name: "a", Model: "a/b", Instructions: "a"},
		},
		{
			name: "self-referencing alias",
			in:   "name: a\nmodel: a/b\ntools: &t [*t]\n",
			errs: []string{`line 3: tools[0]: expected a string, got a list`},
		},
		{
			name: "bad duration",
			in:   "name: a\nmodel: a/b\nlimits:\n  run_timeout: 10 minutes\n",
			errs: []string{`line 4: limits.run_timeout: invalid duration "10 minutes"`},
		},
		{
			name: "relative workspace",
			in:   "name: a\nmodel: a/b\nworkspace: work\n",
			errs: []string{`line 3: workspace: must be an absolute path, got "work"`},
		},
		{
			name: "unclean workspace",
			in:   "name: a\nmodel: a/b\nworkspace: /srv/ws/../../etc\n",
			errs: []string{`line 3: workspace: must be a clean path ("/etc"), got "/srv/ws/../../etc"`},
		},
		{
			name: "workspace with a trailing slash",
			in:   "name: a\nmodel: a/b\nworkspace: /srv/a/\n",
			errs: []string{`line 3: workspace: must be a clean path ("/srv/a"), got "/srv/a/"`},
		},
		{
			name: "workspace",
			in:   "name: a\nmodel: a/b\nworkspace: /srv/a\n",
			want: claw.Spec{Name: "a", Model: "a/b", Workspace: "/srv/a"},
		},
		{
			name: "context keys",
			in:   "name: a\nmodel: a/b\ncontext_tokens: 3000\nskills: [pdf-tools, web]\n",
			want: claw.Spec{Name: "a", Model: "a/b", ContextTokens: 3000, Skills: []string{"pdf-tools", "web"}},
		},
		{
			name: "bad context keys",
			in:   "name: a\nmodel: a/b\ncontext_tokens: 10\nskills: [PDF, web, web]\n",
			errs: []string{
				`line 3: context_tokens: must be between 1000 and 10000000, got 10`,
				`line 4: skills[0]: skill name must be 1 to 64 lowercase letters, digits or hyphens, got "PDF"`,
				`line 4: skills[2]: duplicate skill "web" (also skills[1])`,
			},
		},
		{
			name: "duration as a number",
			in:   "name: a\nmodel: a/b\nlimits:\n  run_timeout: 90\n",
			errs: []string{`line 4: limits.run_timeout: duration must be a string such as "90s"`},
		},
		{
			name: "many problems at once",
			in:   "name: Bad_Name\nmodel: gpt-4o\ntools: [echo, echo, Web, '']\nlimits: {max_steps: 5000, max_tokens: -1, run_timeout: 48h}\n",
			errs: []string{
				`line 1: name: must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$), got "Bad_Name"`,
				`line 2: model: must be provider/model (such as "openai/gpt-4o"), got "gpt-4o"`,
				`line 3: tools[1]: duplicate tool "echo" (also tools[0])`,
				`line 3: tools[2]: tool name must be a lowercase letter then up to 63 lowercase letters, digits or '_' (^[a-z][a-z0-9_]{0,63}$), got "Web"`,
				`line 3: tools[3]: tool name must not be empty`,
				`line 4: limits.max_steps: must be between 1 and 1000, got 5000`,
				`line 4: limits.max_tokens: must be between 1 and 10000000, got -1`,
				`line 4: limits.run_timeout: must be between 1s and 24h, got 48h0m0s`,
			},
		},
		{
			name: "decoding and validation problems together",
			in:   "name: Bad\nmodel: a/b\ntools: [echo, {x: 1}, Web]\nlimits: {max_steps: ten, max_tokens: -5}\n",
			errs: []string{
				`line 1: name: must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$), got "Bad"`,
				`line 3: tools[1]: expected a string, got a mapping`,
				`line 3: tools[2]: tool name must be a lowercase letter then up to 63 lowercase letters, digits or '_' (^[a-z][a-z0-9_]{0,63}$), got "Web"`,
				`line 4: limits.max_steps: expected an integer, got "ten"`,
				`line 4: limits.max_tokens: must be between 1 and 10000000, got -5`,
			},
		},
		{
			name: "missing name and model",
			in:   "instructions: hi\n",
			errs: []string{`name: is required`, `model: is required, as provider/model (such as "openai/gpt-4o")`},
		},
		{
			name: "name too long",
			in:   "name: " + strings.Repeat("a", 64) + "\nmodel: a/b\n",
			errs: []string{`line 1: name: must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$), got "` + strings.Repeat("a", 64) + `"`},
		},
		{
			name: "name ending in a hyphen",
			in:   "name: bot-\nmodel: a/b\n",
			errs: []string{`line 1: name: must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$), got "bot-"`},
		},
		{
			name: "model without a model part",
			in:   "name: a\nmodel: openai/\n",
			errs: []string{`line 2: model: must be provider/model (such as "openai/gpt-4o"), got "openai/"`},
		},
		{
			name: "model with a bad provider",
			in:   "name: a\nmodel: OpenAI/gpt-4o\n",
			errs: []string{`line 2: model: provider "OpenAI" must be lowercase letters, digits, '-' or '_' (^[a-z0-9][a-z0-9_-]*$)`},
		},
		{
			name: "model with spaces",
			in:   "name: a\nmodel: openai/gpt 4o\n",
			errs: []string{`line 2: model: model name "gpt 4o" must not contain spaces`},
		},
		{
			name: "run timeout too short",
			in:   "name: a\nmodel: a/b\nlimits:\n  run_timeout: 500ms\n",
			errs: []string{`line 4: limits.run_timeout: must be between 1s and 24h, got 500ms`},
		},
		{
			name: "instructions too long",
			in:   "name: a\nmodel: a/b\ninstructions: " + strings.Repeat("x", spec.MaxInstructions+1) + "\n",
			errs: []string{`line 3: instructions: must be at most 256 KiB, got 262145 bytes`},
		},
		{name: "empty", in: "", errs: []string{"empty document"}},
		{name: "only comments", in: "# nothing yet\n", errs: []string{"empty document"}},
		{name: "null", in: "null", errs: []string{"empty document"}},
		{
			name: "two documents",
			in:   "name: a\nmodel: a/b\n---\nname: b\nmodel: a/b\n",
			errs: []string{"line 4: more than one document (---); expected exactly one"},
		},
		{
			name: "YAML syntax error",
			in:   "name: a\nmodel: [a/b\n",
			errs: []string{"line 2: invalid YAML: did not find expected ',' or ']'"},
		},
		{
			name: "unclosed flow sequence on line 3",
			in:   "name: a\nmodel: a/b\ntools: [echo, shell\nlimits: {}\n",
			errs: []string{"line 3: invalid YAML: did not find expected ',' or ']'"},
		},
		{
			name: "unclosed flow mapping on line 2",
			in:   "name: a\nlimits: {max_steps: 1\n",
			errs: []string{"line 2: invalid YAML: did not find expected ',' or '}'"},
		},
		{
			name: "scanner error keeps its line",
			in:   "name: a\nmodel: \"a/b\n",
			errs: []string{"line 2: invalid YAML: found unexpected end of stream"},
		},
		{
			name: "tab indentation",
			in:   "name: a\nlimits:\n\tmax_steps: 1\n",
			errs: []string{"line 3: invalid YAML: found character that cannot start any token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := spec.Parse([]byte(tt.in))
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Parse:\n got %#v\nwant %#v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded with %#v, want problems %q", got, tt.errs)
			}
			if code := claw.ErrorCode(err); code != claw.EUNPROCESSABLE {
				t.Errorf("code = %q, want %q", code, claw.EUNPROCESSABLE)
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tt.errs) {
				t.Errorf("problems:\n got %q\nwant %q", lines, tt.errs)
			}
			if msg := claw.ErrorMessage(err); msg != strings.Join(tt.errs, "\n") {
				t.Errorf("message = %q, want the problems one per line", msg)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    claw.Spec
		errs []string
	}{
		{name: "valid", s: claw.Spec{Name: "a", Model: "a/b"}},
		{name: "limits at their bounds", s: claw.Spec{Name: "a", Model: "a/b", Limits: claw.Limits{
			MaxSteps: 1000, MaxTokens: 10_000_000, RunTimeout: claw.Duration(24 * time.Hour)}}},
		{name: "limits past their bounds", s: claw.Spec{Name: "a", Model: "a/b", Limits: claw.Limits{
			MaxSteps: 1001, MaxTokens: 10_000_001, RunTimeout: claw.Duration(-time.Second)}},
			errs: []string{
				"limits.max_steps: must be between 1 and 1000, got 1001",
				"limits.max_tokens: must be between 1 and 10000000, got 10000001",
				"limits.run_timeout: must be between 1s and 24h, got -1s",
			}},
		{name: "tool name too long", s: claw.Spec{Name: "a", Model: "a/b", Tools: []string{"a" + strings.Repeat("b", 64)}},
			errs: []string{`tools[0]: tool name must be a lowercase letter then up to 63 lowercase letters, digits or '_' (^[a-z][a-z0-9_]{0,63}$), got "a` + strings.Repeat("b", 63) + `..."`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := spec.Validate(tt.s)
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tt.errs) {
				t.Errorf("problems:\n got %q\nwant %q", lines, tt.errs)
			}
		})
	}
}

func TestProblemsStructured(t *testing.T) {
	t.Parallel()
	_, err := spec.Parse([]byte("name: a\nmodel: a/b\nlimits:\n  max_steps: ten\n  max_stepz: 1\n"))
	want := []spec.Problem{
		{Line: 4, Path: "limits.max_steps", Message: `limits.max_steps: expected an integer, got "ten"`},
		{Line: 5, Path: "limits.max_stepz", Message: `unknown key "max_stepz" in limits (did you mean "max_steps"?)`},
	}
	if got := spec.Problems(err); !reflect.DeepEqual(got, want) {
		t.Fatalf("Problems:\n got %+v\nwant %+v", got, want)
	}
	if got := spec.Problems(claw.Errorf(claw.EINVALID, "other")); got != nil {
		t.Errorf("Problems of another error = %v, want nil", got)
	}
}
