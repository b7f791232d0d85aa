// Package outbox delivers replies that leave the node: entries written in
// the same transaction as a run's end (store.RunEnd.Outbox) are sent with
// retries and exponential backoff, and marked dead with their last error
// when the attempts run out. Today's kind is "callback": the reply is POSTed
// as JSON to the URL the message named. Delivery is at least once; the
// Reef-Delivery header lets a receiver drop repeats.
package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/store"
)

// KindCallback POSTs the payload to the entry's target URL.
const KindCallback = "callback"

// Config tunes a Deliverer; zero values take the defaults.
type Config struct {
	MaxAttempts int           // default 10
	BaseBackoff time.Duration // delay after the first failure (default 1s), doubling
	MaxBackoff  time.Duration // default 10m
	Timeout     time.Duration // per attempt (default 10s)
	Lease       time.Duration // how long a claimed entry is reserved (default 1m)

	// OnSettle, when set, is called after each attempt is recorded (for
	// metrics and tests).
	OnSettle func(store.OutboxEntry, store.OutboxResult)
	// Handlers deliver entries of other kinds than KindCallback inside
	// the node (such as a reply to another claw); an error is retried
	// like a failed POST.
	Handlers map[string]func(context.Context, store.OutboxEntry) error
}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	return c
}

// Deliverer sends due outbox entries. It wakes when Notify is called and
// when the earliest retry it scheduled is due; it does not poll otherwise.
type Deliverer struct {
	store  store.Outbox
	client *http.Client
	log    *slog.Logger
	cfg    Config

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New returns a Deliverer; Start runs it.
func New(st store.Outbox, client *http.Client, log *slog.Logger, cfg Config) *Deliverer {
	return &Deliverer{store: st, client: client, log: log, cfg: cfg.withDefaults(), wake: make(chan struct{}, 1)}
}

// Notify says that new entries may be due.
func (d *Deliverer) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Start delivers in the background until Stop, beginning with whatever a
// previous process left.
func (d *Deliverer) Start(ctx context.Context) {
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.done = make(chan struct{})
	go d.loop(ctx)
	d.Notify()
}

// Stop ends delivery and waits for the loop; safe to call twice.
func (d *Deliverer) Stop() {
	d.once.Do(func() {
		if d.cancel != nil {
			d.cancel()
			<-d.done
		}
	})
}

// Serve delivers until ctx ends, beginning with whatever a previous process
// left: the form the node's supervisor runs, restarting it after a panic.
// Use either Serve or Start/Stop.
func (d *Deliverer) Serve(ctx context.Context) error {
	d.Notify()
	d.run(ctx)
	return nil
}

func (d *Deliverer) loop(ctx context.Context) {
	defer close(d.done)
	d.run(ctx)
}

func (d *Deliverer) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
		next, err := d.pass(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("outbox pass", "err", err)
			next = time.Now().Add(d.cfg.BaseBackoff)
		}
		if !next.IsZero() {
			timer.Reset(max(time.Until(next), 0))
		}
	}
}

// pass delivers every due entry and returns when the earliest entry still
// pending is due (zero when none is).
func (d *Deliverer) pass(ctx context.Context) (time.Time, error) {
	for {
		entries, err := d.store.ClaimOutbox(ctx, time.Now(), d.cfg.Lease, 32)
		if err != nil {
			return time.Time{}, err
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			res := d.deliver(ctx, e)
			if err := d.store.SettleOutbox(ctx, e.ID, res); err != nil {
				return time.Time{}, err
			}
			if d.cfg.OnSettle != nil {
				d.cfg.OnSettle(e, res)
			}
		}
	}
	next, ok, err := d.store.NextOutboxAt(ctx)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return next, nil
}

// deliver makes one attempt; e.Attempts counts the earlier ones.
func (d *Deliverer) deliver(ctx context.Context, e store.OutboxEntry) store.OutboxResult {
	log := d.log.With("tenant", e.Tenant, "claw", e.Claw, "event", e.EventID, "outbox", e.ID)
	err := d.send(ctx, e)
	if err == nil {
		log.Debug("reply delivered", "target", e.Target)
		return store.OutboxResult{Delivered: true}
	}
	attempts := e.Attempts + 1
	if attempts >= d.cfg.MaxAttempts {
		log.Warn("reply delivery dead", "target", e.Target, "attempts", attempts, "err", err)
		return store.OutboxResult{Dead: true, Error: err.Error()}
	}
	delay := d.cfg.BaseBackoff << min(attempts-1, 30)
	if delay <= 0 || delay > d.cfg.MaxBackoff {
		delay = d.cfg.MaxBackoff
	}
	log.Info("reply delivery failed; will retry", "target", e.Target, "attempts", attempts, "retry_in", delay, "err", err)
	return store.OutboxResult{Error: err.Error(), NextAt: time.Now().Add(delay)}
}

func (d *Deliverer) send(ctx context.Context, e store.OutboxEntry) error {
	if h, ok := d.cfg.Handlers[e.Kind]; ok {
		return h(ctx, e)
	}
	if e.Kind != KindCallback {
		return fmt.Errorf("unknown outbox kind %q", e.Kind)
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Target, bytes.NewReader(e.Payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "reef")
	req.Header.Set("Reef-Delivery", strconv.FormatInt(e.ID, 10))
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post: HTTP %d", resp.StatusCode)
	}
	return nil
}
