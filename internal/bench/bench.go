// Package bench measures a whole reef node: HTTP in, store, claw actor,
// agent loop, a zero-latency fake model over loopback, and the reply back.
// `reef bench` and `make bench` run it; docs/benchmarks.md records results.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/supervise"
	"github.com/reefhq/reef/internal/tool"
)

// Options size a benchmark.
type Options struct {
	DataDir      string // SQLite data directory (a temporary one when empty)
	DatabaseURL  string // PostgreSQL instead of SQLite
	Claws        int    // claws receiving events
	Events       int    // events per claw in the throughput phase
	Senders      int    // concurrent HTTP senders
	Latency      int    // events per claw in the closed-loop latency phase
	LatencyClaws int    // claws sending concurrently in the latency phase
	Hibernating  int    // claws applied for the memory and start-time phase
	Workers      int
	Wake         int  // hibernating claws woken one at a time in the wake phase (0 skips it)
	Crash        bool // run the crash-isolation phase
	CrashRounds  int  // crash-isolation rounds (default 1)
	// RestartBackoff is the supervisor's first restart delay (0: its
	// default, 100ms).
	RestartBackoff time.Duration
	Out            io.Writer
}

// Result is what a benchmark measured.
type Result struct {
	Backend        string
	Events         int
	Elapsed        time.Duration
	EventsPerSec   float64
	LatencyP50     time.Duration // event stored -> model request received
	LatencyP99     time.Duration
	IngressP50     time.Duration // client sends -> model request received
	IngressP99     time.Duration
	LatencySamples int
	IdleClaws      int
	IdleBytes      float64 // RSS per hibernating claw
	ActiveClaws    int
	ActiveBytes    float64 // RSS per claw with a live actor
	StartClaws     int
	StartTime      time.Duration
	Wake           WakeResult
	Crash          CrashResult
}

// harness is a node with a fake model and a client.
type harness struct {
	opts     Options
	model    *llmtest.Server
	node     *node.Node
	client   *client.Client
	data     string
	cfg      config.Config
	sentMu   sync.Mutex
	sent     map[string]time.Time // message text -> when the client sent it
	received map[string]time.Time // message text -> when its model request arrived
	ingress  []time.Duration
	latency  []time.Duration
	parked   chan claw.Ref // claws the supervisor parked in crashloop

	hibernations atomic.Int64  // actors hibernated since the node started
	hibernated   chan struct{} // a signal after each
}

// Run runs every phase and prints a report.
func Run(ctx context.Context, opts Options) (Result, error) {
	res := Result{Backend: "sqlite"}
	if opts.DatabaseURL != "" {
		res.Backend = "postgres"
	}
	h := &harness{opts: opts, sent: map[string]time.Time{}, received: map[string]time.Time{}, parked: make(chan claw.Ref, 16), hibernated: make(chan struct{}, 1)}
	h.model = llmtest.New(h.answer)
	if err := h.model.Start("127.0.0.1:0"); err != nil {
		return res, err
	}
	defer h.model.Close()
	h.cfg = config.Default()
	h.cfg.Providers = map[string]config.Provider{"fake": {Kind: config.KindOpenAI, BaseURL: h.model.URL() + "/v1", APIKey: "bench"}}
	h.data = opts.DataDir
	if h.data == "" {
		dir, err := os.MkdirTemp("", "reef-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		h.data = filepath.Join(dir, "data")
	}
	if err := h.start(ctx, time.Hour); err != nil {
		return res, err
	}
	defer func() { h.node.Stop(context.Background()) }()
	if err := h.applyClaws(ctx, "b", opts.Claws); err != nil {
		return res, err
	}
	if err := h.throughput(ctx, &res); err != nil {
		return res, err
	}
	if err := h.closedLoop(ctx, &res); err != nil {
		return res, err
	}
	if err := h.crashIsolation(ctx, &res); err != nil {
		return res, err
	}
	if err := h.memory(ctx, &res); err != nil {
		return res, err
	}
	if err := h.wake(ctx, &res); err != nil {
		return res, err
	}
	report(opts.Out, opts, res)
	return res, nil
}

func (h *harness) start(ctx context.Context, idle time.Duration) error {
	n, err := node.Open(ctx, node.Options{DataDir: h.data, DatabaseURL: h.opts.DatabaseURL, Addr: "127.0.0.1:0", Config: h.cfg,
		Supervise: supervise.Config{Workers: h.opts.Workers, IdleTimeout: idle, OnCrash: h.onCrash, OnHibernate: h.onHibernate,
			BaseBackoff: h.opts.RestartBackoff, MaxBackoff: 30 * max(h.opts.RestartBackoff, time.Second)}, Tools: []tool.Tool{explodeTool{}}})
	if err != nil {
		return err
	}
	if err := n.Start(ctx); err != nil {
		return err
	}
	tok := n.AdminToken
	if tok == "" {
		b, err := os.ReadFile(node.TokenFile(h.data))
		if err != nil {
			return fmt.Errorf("read admin token: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	h.node, h.client = n, client.New(n.URL(), tok)
	h.client.HTTP.Transport = benchTransport()
	return nil
}

// answer is the fake model: it notes when each benchmark message's
// request arrived.
func (h *harness) answer(c llmtest.Call) llmtest.Reply {
	now := time.Now()
	text := c.LastUserText()
	if strings.HasPrefix(text, crashPrefix) {
		return llmtest.Reply{ToolCalls: []llm.ToolCall{llmtest.ToolCall("", explodeTool{}.Name(), map[string]any{})}}
	}
	h.sentMu.Lock()
	if t, ok := h.sent[text]; ok {
		h.ingress = append(h.ingress, now.Sub(t))
		h.received[text] = now
		delete(h.sent, text)
	}
	h.sentMu.Unlock()
	return llmtest.Reply{Text: "ok", InputTokens: 10, OutputTokens: 1}
}

func (h *harness) applyClaws(ctx context.Context, prefix string, n int) error {
	return parallel(ctx, 16, n, func(i int) error {
		_, err := h.client.Apply(ctx, []byte(fmt.Sprintf("name: %s%d\nmodel: fake/bench\ninstructions: Answer ok.\n", prefix, i)))
		return err
	})
}

// throughput sends Claws×Events messages from Senders goroutines and
// waits for every reply.
func (h *harness) throughput(ctx context.Context, res *Result) error {
	total := h.opts.Claws * h.opts.Events
	ids := make([]int64, total)
	start := time.Now()
	err := parallel(ctx, h.opts.Senders, total, func(i int) error {
		name := fmt.Sprint("b", i%h.opts.Claws)
		// One session per event: requests stay small, so the benchmark
		// measures the path rather than the size of a growing transcript.
		r, err := h.client.Send(ctx, name, api.MessageRequest{Text: fmt.Sprint("t", i), Session: fmt.Sprint("s", i)}, 0)
		ids[i] = r.EventID
		return err
	})
	if err != nil {
		return err
	}
	err = parallel(ctx, h.opts.Senders, total, func(i int) error {
		name := fmt.Sprint("b", i%h.opts.Claws)
		r, err := h.client.Event(ctx, name, ids[i], time.Minute)
		if err == nil && r.Status != claw.EventCompleted {
			err = fmt.Errorf("event %d ended %s: %s", ids[i], r.Status, r.Error)
		}
		return err
	})
	if err != nil {
		return err
	}
	res.Events, res.Elapsed = total, time.Since(start)
	res.EventsPerSec = float64(total) / res.Elapsed.Seconds()
	return nil
}

// closedLoop sends each claw one message at a time and measures the
// node's added latency: from the event being stored (its created_at, taken
// just before the commit that acknowledges it) to the fake model receiving
// the request. It also reports the time from the client sending the
// message, which adds the HTTP request in and the commit.
func (h *harness) closedLoop(ctx context.Context, res *Result) error {
	n := min(h.opts.LatencyClaws, h.opts.Claws)
	err := parallel(ctx, n, n, func(i int) error {
		name := fmt.Sprint("b", i)
		for j := range h.opts.Latency {
			text := fmt.Sprintf("l%d-%d", i, j)
			h.sentMu.Lock()
			h.sent[text] = time.Now()
			h.sentMu.Unlock()
			r, err := h.client.Send(ctx, name, api.MessageRequest{Text: text, Session: text}, time.Minute)
			if err != nil {
				return err
			}
			if r.Status != claw.EventCompleted {
				return fmt.Errorf("latency event %d ended %s: %s", r.EventID, r.Status, r.Error)
			}
			h.sentMu.Lock()
			h.latency = append(h.latency, h.received[text].Sub(r.CreatedAt))
			h.sentMu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.sentMu.Lock()
	defer h.sentMu.Unlock()
	res.LatencySamples = len(h.latency)
	res.LatencyP50, res.LatencyP99 = percentiles(h.latency)
	res.IngressP50, res.IngressP99 = percentiles(h.ingress)
	return nil
}

// memory measures RSS per hibernating and per active claw, and the
// node's start time with that many claws.
func (h *harness) memory(ctx context.Context, res *Result) error {
	if h.opts.Hibernating <= 0 {
		return nil
	}
	before := rss()
	if err := h.applyClaws(ctx, "h", h.opts.Hibernating); err != nil {
		return err
	}
	res.IdleClaws = h.opts.Hibernating
	res.IdleBytes = float64(rss()-before) / float64(h.opts.Hibernating)

	// Wake a share of them and keep their actors alive.
	active := min(h.opts.Hibernating, 2000)
	before = rss()
	err := parallel(ctx, 64, active, func(i int) error {
		_, err := h.client.Send(ctx, fmt.Sprint("h", i), api.MessageRequest{Text: "wake"}, time.Minute)
		return err
	})
	if err != nil {
		return err
	}
	res.ActiveClaws = active
	res.ActiveBytes = float64(rss()-before) / float64(active)

	// Restart with every claw applied.
	if err := h.node.Stop(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := h.start(ctx, time.Hour); err != nil {
		return err
	}
	res.StartTime = time.Since(start)
	if res.StartClaws, err = h.node.Store.CountClaws(ctx); err != nil {
		return err
	}
	return nil
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)*50/100], d[min(len(d)-1, len(d)*99/100)]
}

// rss returns the process's resident set size in bytes after a GC.
func rss() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
