package cli

import (
	"fmt"

	"github.com/reefhq/reef/internal/claw"
)

// hopFrom shows where a claw-to-claw run came from: the sending claw and
// its run, with the hop count ("-" for a run of an outside event).
func hopFrom(h claw.Hop) string {
	if h.ParentClaw == "" {
		return "-"
	}
	return fmt.Sprintf("%s run %d (hop %d)", h.ParentClaw, h.ParentRunID, h.Hops)
}
