package spec_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestPolicyKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want claw.Spec
		errs []string
	}{
		{
			name: "all keys",
			in: `name: a
model: p/m
tools: [shell, read_file]
supervision: {max_restarts: 3, within: 30s, wedge_timeout: 10m}
tool_timeout: 1m
tool_timeouts: {shell: 30s}
approval: [shell]
approval_timeout: 2h
`,
			want: claw.Spec{Name: "a", Model: "p/m", Tools: []string{"shell", "read_file"},
				Supervision:  claw.Supervision{MaxRestarts: 3, Within: claw.Duration(30 * time.Second), WedgeTimeout: claw.Duration(10 * time.Minute)},
				ToolTimeout:  claw.Duration(time.Minute),
				ToolTimeouts: map[string]claw.Duration{"shell": claw.Duration(30 * time.Second)},
				Approval:     []string{"shell"}, ApprovalTimeout: claw.Duration(2 * time.Hour)},
		},
		{
			name: "bad values",
			in: `name: a
model: p/m
supervision: {max_restarts: -1, within: -1s, wedge_timeout: 10ms}
approval: [x, x, ""]
approval_timeout: -1s
`,
			errs: []string{
				"line 3: supervision.max_restarts: must be between 1 and 1000, got -1",
				"line 3: supervision.within: must be positive",
				"line 3: supervision.wedge_timeout: must be at least 1s, got 10ms",
				"line 3: supervision.wedge_timeout: 10ms must be longer than the default tool_timeout (2m0s); set a shorter tool_timeout",
				`line 4: approval[1]: "x" is listed twice`,
				"line 4: approval[2]: must name a tool",
				"line 5: approval_timeout: must be positive",
			},
		},
		{
			name: "tool timeout not under the wedge timeout",
			in:   "name: a\nmodel: p/m\nsupervision: {wedge_timeout: 1m}\ntool_timeout: 30s\ntool_timeouts: {shell: 1m, fetch: 0s}\n",
			errs: []string{
				"line 5: tool_timeouts.fetch: must be positive",
				"line 5: tool_timeouts.shell: 1m0s must be shorter than supervision.wedge_timeout (1m0s), or the call counts as a wedge",
			},
		},
		{
			name: "unknown nested key",
			in:   "name: a\nmodel: p/m\nsupervision: {max_restart: 3}\n",
			errs: []string{`line 3: unknown key "max_restart" in supervision (did you mean "max_restarts"?)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := spec.Parse([]byte(tt.in))
			if tt.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tt.errs) {
				t.Fatalf("problems:\n%q\nwant\n%q", lines, tt.errs)
			}
		})
	}
}

func TestSpecPolicyDefaults(t *testing.T) {
	t.Parallel()
	var s claw.Spec
	if s.TimeoutFor("shell") != claw.DefaultToolTimeout || s.ApprovalWait() != time.Hour || s.NeedsApproval("shell") {
		t.Fatal("defaults wrong")
	}
	s = claw.Spec{ToolTimeout: claw.Duration(time.Minute), ToolTimeouts: map[string]claw.Duration{"shell": claw.Duration(time.Second)}, Approval: []string{"shell"}}
	if s.TimeoutFor("shell") != time.Second || s.TimeoutFor("echo") != time.Minute || !s.NeedsApproval("shell") {
		t.Fatal("overrides wrong")
	}
	if d := (claw.Supervision{}).WithDefaults(); d.MaxRestarts != 5 || d.Within.Std() != time.Minute || d.WedgeTimeout.Std() != 5*time.Minute {
		t.Fatalf("supervision defaults %+v", d)
	}
}
