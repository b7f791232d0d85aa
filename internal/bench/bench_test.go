package bench_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/bench"
)

// TestSmall runs every phase at a tiny size: it checks that the benchmark
// works, not how fast the node is.
func TestSmall(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := bench.Run(t.Context(), bench.Options{
		DataDir: t.TempDir(), Claws: 3, Events: 4, Senders: 4, Latency: 3, LatencyClaws: 2, Hibernating: 20, Workers: 4, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 12 || res.EventsPerSec <= 0 || res.LatencySamples != 6 || res.LatencyP99 <= 0 || res.StartClaws != 23 {
		t.Fatalf("result = %+v", res)
	}
	for _, want := range []string{"throughput", "event stored -> model request", "hibernating claws", "node start"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}
