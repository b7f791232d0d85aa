package scheduler

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
)

// BenchmarkFireLateness: the scheduler alone on SQLite (no runs: the
// events wait in the mailboxes) with 10,000 every schedules, intervals
// spread over 10–20 s and first fires over 10 s, for 20 s of real time
// from the first fire; reports fire-to-commit lateness. Run with -benchtime=1x.
func BenchmarkFireLateness(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "reef.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	start := time.Now().Add(15 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		name := fmt.Sprintf("c%d", i)
		if _, err := st.ApplyClaw(b.Context(), claw.DefaultTenant, claw.Spec{Name: name, Model: "p/m"}, []byte(`{"name":"`+name+`"}`)); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() { // concurrent creates share commits
			defer wg.Done()
			for j := range 100 {
				k := i*100 + j
				def := claw.ScheduleSpec{Name: fmt.Sprintf("self-%d", k), Every: claw.Duration(10*time.Second + time.Duration(k%1000)*10*time.Millisecond), Prompt: "tick"}
				first := start.Add(time.Duration(k) * time.Millisecond)
				if _, err := st.CreateSchedule(b.Context(), claw.DefaultTenant, store.Schedule{Claw: name, Def: def, NextFire: first}, 1000); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if time.Now().After(start) {
		b.Fatalf("creating the schedules took past their first fire (%s late)", time.Since(start))
	}
	var mu sync.Mutex
	var late []time.Duration
	s := New(st, func(claw.Ref) {}, nil, Config{OnFire: func(at, committed time.Time) {
		mu.Lock()
		late = append(late, committed.Sub(at))
		mu.Unlock()
	}})
	b.ResetTimer()
	s.Start(b.Context())
	<-time.After(time.Until(start.Add(20 * time.Second))) // the measured window
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(late)
	at := func(p float64) float64 {
		if len(late) == 0 {
			return 0
		}
		return float64(late[min(len(late)-1, int(float64(len(late))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(late)), "fires")
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}
