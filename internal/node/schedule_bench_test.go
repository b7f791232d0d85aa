package node_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
)

// benchNode starts a SQLite node whose scheduler reports each fire's
// lateness (fire time to the commit of its event) and applies claws × per
// every schedules, the k-th with interval every(k).
func benchNode(b *testing.B, claws, per int, every func(k int) time.Duration) (*node.Node, func() []time.Duration) {
	model := llmtest.NewTest(b, llmtest.Echo)
	var mu sync.Mutex
	var late []time.Duration
	n, err := node.Open(b.Context(), node.Options{DataDir: b.TempDir(), Addr: "127.0.0.1:0", Config: testConfig(model),
		Scheduler: scheduler.Config{OnFire: func(at, committed time.Time) {
			mu.Lock()
			late = append(late, committed.Sub(at))
			mu.Unlock()
		}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := n.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Stop(b.Context()) })
	k := 0
	for i := range claws {
		var sb strings.Builder
		fmt.Fprintf(&sb, "name: c%d\nmodel: fake/m\nschedules:\n", i)
		for j := range per {
			fmt.Fprintf(&sb, "  - {name: s%d, every: %s, prompt: tick %d}\n", j, every(k), k)
			k++
		}
		if _, err := applyDirect(b, n, sb.String()); err != nil {
			b.Fatal(err)
		}
	}
	n.Scheduler.Wake()
	return n, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(late)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

// BenchmarkScheduleLateness: 10,000 every schedules (100 claws × 100,
// intervals spread over 10–20 s) firing through a whole SQLite node (each
// fire is an event run by the fake model) for 30 s; reports the fire
// lateness and the node's CPU. Run with -benchtime=1x.
func BenchmarkScheduleLateness(b *testing.B) {
	n, lateness := benchNode(b, 100, 100, func(k int) time.Duration { return 10*time.Second + time.Duration(k%1000)*10*time.Millisecond })
	_ = n
	cpu0, t0 := cpuTime(), time.Now()
	<-time.After(30 * time.Second) // the measured window
	cpu, wall := cpuTime()-cpu0, time.Since(t0)
	late := lateness()
	b.ReportMetric(float64(len(late)), "fires")
	b.ReportMetric(float64(pct(late, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(late, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(pct(late, 1).Microseconds())/1000, "max-ms")
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
}

// BenchmarkScheduleIdle: 10,000 every-1h schedules on one SQLite node,
// none due: the node's CPU over 10 s of waiting (one timer, no polling).
func BenchmarkScheduleIdle(b *testing.B) {
	benchNode(b, 100, 100, func(int) time.Duration { return time.Hour })
	<-time.After(time.Second) // let the apply's wake settle
	cpu0, t0 := cpuTime(), time.Now()
	<-time.After(10 * time.Second) // the measured idle window
	cpu, wall := cpuTime()-cpu0, time.Since(t0)
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
	b.ReportMetric(float64(cpu.Microseconds())/1000, "cpu-ms")
}

// applyDirect applies a YAML spec through the node's store.
func applyDirect(b *testing.B, n *node.Node, doc string) (store.ApplyResult, error) {
	sp, err := spec.Parse([]byte(doc))
	if err != nil {
		return store.ApplyResult{}, err
	}
	canon, err := spec.Canonical(sp)
	if err != nil {
		return store.ApplyResult{}, err
	}
	return n.Store.ApplyClaw(b.Context(), claw.DefaultTenant, sp, canon)
}
