package cli

import (
	"context"
	"os"
	"runtime/pprof"

	"github.com/reefhq/reef/internal/bench"
)

func runBench(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "bench")
	o := bench.Options{Out: env.Stdout}
	f.StringVar(&o.DataDir, "data", "", "SQLite data directory (default: a temporary one, removed after)")
	f.StringVar(&o.DatabaseURL, "database-url", "", "benchmark PostgreSQL at this postgres:// URL instead of SQLite")
	f.IntVar(&o.Claws, "claws", 50, "claws receiving events")
	f.IntVar(&o.Events, "events", 100, "events per claw in the throughput phase")
	f.IntVar(&o.Senders, "senders", 64, "concurrent HTTP senders")
	f.IntVar(&o.Latency, "latency-events", 40, "events per claw in the latency phase")
	f.IntVar(&o.LatencyClaws, "latency-claws", 4, "claws sending concurrently, one message at a time each, in the latency phase")
	f.IntVar(&o.Hibernating, "hibernating", 10000, "claws applied for the memory and start-time phase (0 skips it)")
	f.IntVar(&o.Workers, "workers", 64, "node-wide concurrent runs")
	f.IntVar(&o.Wake, "wake", 1000, "hibernating claws woken one at a time to measure wake latency (0 skips it; needs --hibernating)")
	f.BoolVar(&o.Crash, "crash", true, "measure healthy claws' latency beside a claw that panics until it is parked in crashloop")
	f.IntVar(&o.CrashRounds, "crash-rounds", 3, "crash-isolation rounds (crash until parked, then baseline; restart between rounds)")
	cpuProfile := f.String("cpuprofile", "", "write a CPU profile of the benchmark to this file")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	_, err := bench.Run(ctx, o)
	return err
}
