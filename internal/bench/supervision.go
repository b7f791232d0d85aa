package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
)

// crashPrefix marks messages the fake model answers with a call of the
// explode tool.
const crashPrefix = "boom"

// explodeTool panics on every call: the crash-isolation phase's bad claw.
type explodeTool struct{}

func (explodeTool) Name() string        { return "bench_explode" }
func (explodeTool) Description() string { return "Panics (benchmark only)." }
func (explodeTool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","additionalProperties":false}`)
}
func (explodeTool) Idempotent() bool { return false }
func (explodeTool) Call(context.Context, tool.Env, json.RawMessage) (string, error) {
	panic("bench: injected panic")
}

func (h *harness) onHibernate(claw.Ref) {
	h.hibernations.Add(1)
	select {
	case h.hibernated <- struct{}{}:
	default:
	}
}

func (h *harness) onCrash(ref claw.Ref, _ error, parked bool) {
	if parked {
		select {
		case h.parked <- ref:
		default:
		}
	}
}

// WakeResult is what the wake phase measured.
type WakeResult struct {
	Claws         int
	P50, P99      time.Duration // event stored -> model request, claw hibernating
	Hibernated    bool          // every woken claw went back to hibernation: no actor left
	HibernateTime time.Duration // from the last reply until no actor was left
}

// CrashResult is what the crash-isolation phase measured.
type CrashResult struct {
	Claws                int           // healthy claws in the closed loop
	BaselineP50          time.Duration // healthy claws, no crashing claw
	BaselineP99          time.Duration
	DuringP50, DuringP99 time.Duration // while one claw crashed until parked
	BaselineN, DuringN   int
	ToCrashloop          time.Duration // bad events sent -> parked (the longest round)
	Restarts             int           // the bad claw's restart count when parked
	RestartedReplyOK     bool          // after reef restart, a plain message succeeded
	MaxRestarts          int
	Rounds               int // crash-until-parked rounds, each with its baseline
}

// measure runs a closed loop on claws prefix0..prefix(n-1), one message at
// a time each, until stop returns true (checked before each message), and
// returns event stored -> model request latencies.
func (h *harness) measure(ctx context.Context, prefix string, n int, tag string, stop func(sent int) bool) ([]time.Duration, error) {
	var out []time.Duration
	var sent atomic.Int64
	err := parallel(ctx, n, n, func(i int) error {
		name := fmt.Sprint(prefix, i)
		for j := 0; !stop(int(sent.Load())); j++ {
			sent.Add(1)
			text := fmt.Sprintf("%s%d-%d", tag, i, j)
			h.sentMu.Lock()
			h.sent[text] = time.Now()
			h.sentMu.Unlock()
			r, err := h.client.Send(ctx, name, api.MessageRequest{Text: text, Session: text}, time.Minute)
			if err != nil {
				return err
			}
			if r.Status != claw.EventCompleted {
				return fmt.Errorf("event %d of %s ended %s: %s", r.EventID, name, r.Status, r.Error)
			}
			h.sentMu.Lock()
			out = append(out, h.received[text].Sub(r.CreatedAt))
			delete(h.received, text)
			h.sentMu.Unlock()
		}
		return nil
	})
	return out, err
}

// crashIsolation measures healthy claws' latency without and then beside a
// claw that panics on every run until the supervisor parks it, then
// restarts that claw.
func (h *harness) crashIsolation(ctx context.Context, res *Result) error {
	if !h.opts.Crash {
		return nil
	}
	cr := &res.Crash
	cr.Claws = min(h.opts.LatencyClaws, h.opts.Claws)
	cr.MaxRestarts = claw.DefaultMaxRestarts
	spec := fmt.Sprintf("name: crasher\nmodel: fake/bench\ntools: [%s]\nsupervision: {max_restarts: %d, within: 60s}\n", explodeTool{}.Name(), cr.MaxRestarts)
	if _, err := h.client.Apply(ctx, []byte(spec)); err != nil {
		return err
	}
	// Rounds of: the crasher gets one more bad event than it may crash on,
	// all queued at once, and the healthy claws loop until it is parked;
	// then the baseline, as many samples with the crasher parked. Rounds
	// interleave the two so that load drifting on the machine hits both.
	var during, base []time.Duration
	for round := range max(h.opts.CrashRounds, 1) {
		n := cr.MaxRestarts + 2
		if round > 0 {
			// One bad event is left from the last round and crashes it
			// first.
			if _, err := h.client.Restart(ctx, "crasher"); err != nil {
				return err
			}
			n--
		}
		start := time.Now()
		for i := range n {
			if _, err := h.client.Send(ctx, "crasher", api.MessageRequest{Text: fmt.Sprintf("%s%d-%d", crashPrefix, round, i)}, 0); err != nil {
				return err
			}
		}
		var parked atomic.Bool
		var took time.Duration
		go func() {
			select {
			case <-h.parked:
				took = time.Since(start)
				parked.Store(true)
			case <-ctx.Done():
			}
		}()
		d, err := h.measure(ctx, "b", cr.Claws, fmt.Sprintf("cd%d-", round), func(int) bool { return parked.Load() })
		if err != nil {
			return err
		}
		b, err := h.measure(ctx, "b", cr.Claws, fmt.Sprintf("cb%d-", round), func(sent int) bool { return sent >= len(d) })
		if err != nil {
			return err
		}
		during, base = append(during, d...), append(base, b...)
		cr.ToCrashloop = max(cr.ToCrashloop, took)
		c, err := h.client.Get(ctx, "crasher")
		if err != nil {
			return err
		}
		if c.State != claw.StateCrashloop {
			return fmt.Errorf("crasher is %s, not crashloop", c.State)
		}
		cr.Restarts = c.Restarts
		cr.Rounds++
	}
	cr.DuringN, cr.BaselineN = len(during), len(base)
	cr.DuringP50, cr.DuringP99 = percentiles(during)
	cr.BaselineP50, cr.BaselineP99 = percentiles(base)
	// reef restart: the crasher runs again. Its one remaining bad event
	// crashes it once more; a plain message then succeeds.
	if _, err := h.client.Restart(ctx, "crasher"); err != nil {
		return err
	}
	r, err := h.client.Send(ctx, "crasher", api.MessageRequest{Text: "plain"}, time.Minute)
	if err != nil {
		return err
	}
	cr.RestartedReplyOK = r.Status == claw.EventCompleted
	return nil
}

// wake restarts the node with a short idle timeout, sends one message to
// each of opts.Wake hibernating claws in turn (each wake starts an actor),
// and checks that every actor hibernates again.
func (h *harness) wake(ctx context.Context, res *Result) error {
	if h.opts.Wake <= 0 || h.opts.Hibernating <= 0 {
		return nil
	}
	const idle = 200 * time.Millisecond
	if err := h.node.Stop(ctx); err != nil {
		return err
	}
	if err := h.start(ctx, idle); err != nil {
		return err
	}
	h.hibernations.Store(0)
	w := &res.Wake
	w.Claws = min(h.opts.Wake, h.opts.Hibernating)
	var lat []time.Duration
	for i := range w.Claws {
		text := fmt.Sprint("w", i)
		h.sentMu.Lock()
		h.sent[text] = time.Now()
		h.sentMu.Unlock()
		// Claws h0.. were applied in the memory phase and have no actor
		// in this process.
		r, err := h.client.Send(ctx, fmt.Sprint("h", h.opts.Hibernating-1-i), api.MessageRequest{Text: text, Session: text}, time.Minute)
		if err != nil {
			return err
		}
		if r.Status != claw.EventCompleted {
			return fmt.Errorf("wake event %d ended %s: %s", r.EventID, r.Status, r.Error)
		}
		h.sentMu.Lock()
		lat = append(lat, h.received[text].Sub(r.CreatedAt))
		h.sentMu.Unlock()
	}
	w.P50, w.P99 = percentiles(lat)
	last := time.Now()
	timeout := time.NewTimer(idle + 10*time.Second)
	defer timeout.Stop()
wait:
	for h.hibernations.Load() < int64(w.Claws) {
		select {
		case <-h.hibernated:
		case <-timeout.C:
			break wait
		}
	}
	w.HibernateTime = time.Since(last)
	w.Hibernated = h.node.Supervisor.Active() == 0
	return nil
}
