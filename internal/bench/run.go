package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// parallel calls fn(0..n-1) from at most workers goroutines and returns
// the first error.
func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
	return t
}

func report(w io.Writer, o Options, r Result) {
	fmt.Fprintf(w, "reef bench (%s, %s, %d CPU, GOMAXPROCS %d)\n", r.Backend, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  throughput   %d claws x %d events, %d senders: %d events in %s = %.0f events/s\n",
		o.Claws, o.Events, o.Senders, r.Events, r.Elapsed.Round(time.Millisecond), r.EventsPerSec)
	fmt.Fprintf(w, "  latency      closed loop, %d claws, %d samples\n", min(o.LatencyClaws, o.Claws), r.LatencySamples)
	fmt.Fprintf(w, "               event stored -> model request:   p50 %s  p99 %s\n", r.LatencyP50.Round(10*time.Microsecond), r.LatencyP99.Round(10*time.Microsecond))
	fmt.Fprintf(w, "               client sends -> model request:   p50 %s  p99 %s\n", r.IngressP50.Round(10*time.Microsecond), r.IngressP99.Round(10*time.Microsecond))
	if r.IdleClaws > 0 {
		fmt.Fprintf(w, "  memory       %d hibernating claws: %.0f B RSS each; %d active claws: %.0f B RSS each\n",
			r.IdleClaws, r.IdleBytes, r.ActiveClaws, r.ActiveBytes)
		fmt.Fprintf(w, "  start        node start (open store, resume, listen) with %d claws: %s\n", r.StartClaws, r.StartTime.Round(time.Millisecond))
	}
	if k := r.Wake; k.Claws > 0 {
		fmt.Fprintf(w, "  wake         %d hibernating claws woken one at a time, event stored -> model request: p50 %s  p99 %s\n",
			k.Claws, k.P50.Round(10*time.Microsecond), k.P99.Round(10*time.Microsecond))
		fmt.Fprintf(w, "               all hibernated again (no actor, no goroutine left): %v, %s after the last reply (idle timeout 200ms)\n",
			k.Hibernated, k.HibernateTime.Round(time.Millisecond))
	}
	if c := r.Crash; c.Claws > 0 {
		fmt.Fprintf(w, "  crash        %d healthy claws, closed loop; one claw panicking on every run (max_restarts %d); %d rounds\n", c.Claws, c.MaxRestarts, c.Rounds)
		fmt.Fprintf(w, "               baseline:           p50 %s  p99 %s  (%d samples)\n", c.BaselineP50.Round(10*time.Microsecond), c.BaselineP99.Round(10*time.Microsecond), c.BaselineN)
		fmt.Fprintf(w, "               beside the crasher: p50 %s  p99 %s  (%d samples)\n", c.DuringP50.Round(10*time.Microsecond), c.DuringP99.Round(10*time.Microsecond), c.DuringN)
		fmt.Fprintf(w, "               crashloop after %d restarts in at most %s; after restart a plain message succeeded: %v\n",
			c.Restarts, c.ToCrashloop.Round(time.Millisecond), c.RestartedReplyOK)
	}
}
