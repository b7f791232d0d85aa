package spec_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestPolicyDiff(t *testing.T) {
	t.Parallel()
	a := claw.Spec{Name: "a", Model: "p/m", ToolTimeouts: map[string]claw.Duration{"shell": claw.Duration(30 * time.Second)}}
	b := a
	b.ToolTimeouts = map[string]claw.Duration{"shell": claw.Duration(time.Minute), "read_file": claw.Duration(time.Second)}
	b.Approval = []string{"shell"}
	b.Supervision.MaxRestarts = 3
	want := []string{`+ supervision.max_restarts: 3`, `+ tool_timeouts.read_file: "1s"`, `~ tool_timeouts.shell: "30s" -> "1m0s"`, `+ approval: [shell]`}
	if got := spec.Diff(a, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("diff = %q, want %q", got, want)
	}
}
