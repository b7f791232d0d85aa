package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
)

// BenchmarkMemorySearch measures memory_search's store query over 100,000
// memories of one claw (plus 20,000 of another claw, which the index must
// keep apart). Memories are 20 words: a third stopwords, the rest drawn
// from a 20,000-word vocabulary with a Zipf distribution (s 1.07), like
// natural text; queries are 3 content words among 3 stopwords. It reports the p50 and p99
// latency of one search.
func BenchmarkMemorySearch(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "reef.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// Text like natural language: a third of the words are stopwords,
	// the rest content words with a Zipf distribution over 20,000 words.
	stop := strings.Fields("the a of and to in is it that for on with as was at by my your this what")
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.07, 20, 19_999)
	word := func() string {
		if rng.IntN(3) == 0 {
			return stop[rng.IntN(len(stop))]
		}
		return fmt.Sprintf("w%d", zipf.Uint64())
	}
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word()
		}
		return strings.Join(ws, " ")
	}
	fill := func(name string, n int) {
		if _, err := st.ApplyClaw(b.Context(), claw.DefaultTenant, claw.Spec{Name: name, Model: "p/m"}, []byte(`{"name":"`+name+`","model":"p/m"}`)); err != nil {
			b.Fatal(err)
		}
		var files []store.MemoryFile
		for f := 0; f < n/10_000; f++ {
			chunks := make([]string, 10_000)
			for i := range chunks {
				chunks[i] = text(20)
			}
			files = append(files, store.MemoryFile{Path: fmt.Sprintf("memory/2026-01-%02d.md", f+1), Hash: fmt.Sprint(f), Chunks: chunks})
		}
		if err := st.SyncMemoryFiles(b.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: name}, files); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	fill("a", 100_000)
	fill("b", 20_000)
	b.Logf("indexed 120,000 memories in %s", time.Since(start).Round(time.Millisecond))
	var lat []time.Duration
	found := 0
	for b.Loop() {
		q := fmt.Sprintf("%s %s w%d w%d %s w%d", stop[rng.IntN(len(stop))], stop[rng.IntN(len(stop))], zipf.Uint64(), zipf.Uint64(), stop[rng.IntN(len(stop))], zipf.Uint64())
		t0 := time.Now()
		got, err := st.SearchMemory(b.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, q, 5)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		found += len(got)
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(float64(found)/float64(len(lat)), "results/op")
}
