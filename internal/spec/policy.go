package spec

import (
	"fmt"
	"sort"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// validatePolicy checks the supervision and tool policy keys.
func validatePolicy(s claw.Spec) []Problem {
	var ps []Problem
	sup := s.Supervision
	if sup.MaxRestarts < 0 || sup.MaxRestarts > 1000 {
		ps = append(ps, problemf("supervision.max_restarts", "must be between 1 and 1000, got %d", sup.MaxRestarts))
	}
	if sup.Within < 0 {
		ps = append(ps, problemf("supervision.within", "must be positive"))
	}
	if sup.WedgeTimeout != 0 && sup.WedgeTimeout.Std() < time.Second {
		ps = append(ps, problemf("supervision.wedge_timeout", "must be at least 1s, got %s", sup.WedgeTimeout.Std()))
	}
	wedge := sup.WithDefaults().WedgeTimeout.Std()
	checkTool := func(path string, d claw.Duration) {
		switch {
		case d <= 0:
			ps = append(ps, problemf(path, "must be positive"))
		case d.Std() >= wedge:
			ps = append(ps, problemf(path, "%s must be shorter than supervision.wedge_timeout (%s), or the call counts as a wedge", d.Std(), wedge))
		}
	}
	if s.ToolTimeout != 0 {
		checkTool("tool_timeout", s.ToolTimeout)
	} else if claw.DefaultToolTimeout >= wedge {
		ps = append(ps, problemf("supervision.wedge_timeout", "%s must be longer than the default tool_timeout (%s); set a shorter tool_timeout", wedge, claw.DefaultToolTimeout))
	}
	names := make([]string, 0, len(s.ToolTimeouts))
	for n := range s.ToolTimeouts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "" {
			ps = append(ps, problemf("tool_timeouts", "a tool name is empty"))
			continue
		}
		checkTool("tool_timeouts."+n, s.ToolTimeouts[n])
	}
	seen := map[string]bool{}
	for i, n := range s.Approval {
		switch {
		case n == "":
			ps = append(ps, problemf(fmt.Sprintf("approval[%d]", i), "must name a tool"))
		case seen[n]:
			ps = append(ps, problemf(fmt.Sprintf("approval[%d]", i), "%s is listed twice", quoteShort(n)))
		}
		seen[n] = true
	}
	if s.ApprovalTimeout < 0 {
		ps = append(ps, problemf("approval_timeout", "must be positive"))
	}
	return ps
}
