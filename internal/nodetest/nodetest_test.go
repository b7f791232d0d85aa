package nodetest_test

import (
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/nodetest"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	out := nodetest.Run(t, "smoke.mjs", nil)
	if got := strings.TrimSpace(out); got != "function function function" {
		t.Fatalf("smoke.mjs printed %q", got)
	}
	nodetest.Bin(t, "mcp-server-everything")
}
