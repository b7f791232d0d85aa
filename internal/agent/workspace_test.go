package agent_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
)

// countingSource counts the runs that asked it for tools.
type countingSource struct{ asked atomic.Int32 }

func (s *countingSource) Tools(context.Context, claw.Claw) ([]tool.Tool, error) {
	s.asked.Add(1)
	return nil, nil
}

// A workspace the node does not allow fails the run with its error before
// tools are listed or the model is called.
func TestForbiddenWorkspaceFailsTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	src := &countingSource{}
	b.runner.Tools = tool.Sources{b.runner.Tools, src}
	const why = "workspace: /etc is a system directory; workspaces live under DATA/workspaces or a host workspace_roots entry"
	b.runner.Workspace = func(c claw.Claw) (string, error) {
		if c.Spec.Workspace == "/etc" {
			return "", claw.Errorf(claw.EUNPROCESSABLE, "%s", why)
		}
		return t.TempDir(), nil
	}
	s := spec
	s.Workspace = "/etc"
	c := b.apply(t, s)
	b.send(t, c, "main", "hi")
	ev, err := b.process(t, c)
	if err != nil || ev.Status != claw.EventFailed || ev.Error != why {
		t.Fatalf("event = %+v, %v; want failed with %q", ev, err, why)
	}
	if n := len(b.model.Calls()); n != 0 {
		t.Fatalf("model calls = %d, want 0", n)
	}
	if n := src.asked.Load(); n != 0 {
		t.Fatalf("tool sources asked %d times, want 0", n)
	}
	// The same claw with an allowed workspace runs.
	s.Workspace = ""
	c = b.apply(t, s)
	b.send(t, c, "main", "again")
	if ev, err := b.process(t, c); err != nil || ev.Status != claw.EventCompleted {
		t.Fatalf("allowed workspace: event = %+v, %v", ev, err)
	}
}
