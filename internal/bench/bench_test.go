package bench_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/bench"
)

// TestSmall runs every phase at a tiny size: it checks that the benchmark
// works, not how fast the node is.
func TestSmall(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := bench.Run(t.Context(), bench.Options{
		DataDir: t.TempDir(), Claws: 3, Events: 4, Senders: 4, Latency: 3, LatencyClaws: 2, Hibernating: 20, Workers: 4, Out: &out,
		Wake: 5, Crash: true, CrashRounds: 2, RestartBackoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 12 || res.EventsPerSec <= 0 || res.LatencySamples != 6 || res.LatencyP99 <= 0 || res.StartClaws != 24 {
		t.Fatalf("result = %+v", res)
	}
	if w := res.Wake; w.Claws != 5 || !w.Hibernated || w.P99 <= 0 {
		t.Fatalf("wake = %+v", w)
	}
	if c := res.Crash; c.Restarts != c.MaxRestarts+1 || c.Rounds != 2 || !c.RestartedReplyOK || c.DuringN == 0 || c.BaselineN < c.DuringN {
		t.Fatalf("crash isolation = %+v", c)
	}
	for _, want := range []string{"throughput", "event stored -> model request", "hibernating claws", "node start", "wake", "crashloop after"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}
