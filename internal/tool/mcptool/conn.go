package mcptool

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
)

// maxRetryWait is the longest a run waits for a restarting server's
// backoff to end; past it the server's tools are left out of the run.
const maxRetryWait = 5 * time.Second

// healthyFor is how long a session must live for its death not to count
// as a failure: a server that keeps dying soon after it starts is
// restarted with a growing delay.
const healthyFor = time.Minute

// conn is the client connection to one server of one claw.
type conn struct {
	m                      *Manager
	key                    connKey
	claw                   claw.Claw
	spec                   claw.MCPServer
	fingerprint, workspace string

	stale atomic.Bool // tools/list_changed arrived: list again

	mu       sync.Mutex // held while connecting and listing
	closed   bool
	session  *mcp.ClientSession
	started  time.Time // when session was made
	list     []tool.Tool
	failures int       // consecutive failures
	retryAt  time.Time // no attempt before then
	lastErr  error
	stderr   *tailBuffer // of the current stdio process
}

func (c *conn) live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session != nil
}

// tools returns the server's tools, connecting and listing as needed.
func (c *conn) tools(ctx context.Context) ([]tool.Tool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs, err := c.ensure(ctx)
	if err != nil {
		return nil, err
	}
	if c.list != nil && !c.stale.Load() {
		return c.list, nil
	}
	c.stale.Store(false)
	var listed []*mcp.Tool
	err = guard(func() error {
		for t, err := range cs.Tools(ctx, nil) {
			if err != nil {
				return err
			}
			listed = append(listed, t)
		}
		return nil
	})
	if err != nil {
		c.stale.Store(true)
		return nil, fmt.Errorf("list tools: %w", err)
	}
	c.list = c.wrap(listed)
	return c.list, nil
}

// ensure returns the live session, connecting when there is none. c.mu is
// held.
func (c *conn) ensure(ctx context.Context) (*mcp.ClientSession, error) {
	if c.closed {
		return nil, errors.New("connection closed")
	}
	if c.session != nil {
		return c.session, nil
	}
	if wait := time.Until(c.retryAt); wait > 0 {
		if wait > maxRetryWait {
			return nil, fmt.Errorf("restarting after %d failures (next attempt in %s): %w", c.failures, wait.Round(time.Second), c.lastErr)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-c.m.ctx.Done():
			t.Stop()
			return nil, errors.New("connection closed")
		}
	}
	cs, err := c.connect(ctx)
	if err != nil {
		c.failed(err)
		return nil, err
	}
	c.session, c.started, c.list = cs, time.Now(), nil
	c.m.wg.Add(1)
	go c.watch(cs)
	return cs, nil
}

// failed records a failure and sets the backoff before the next attempt.
// c.mu is held.
func (c *conn) failed(err error) {
	c.failures++
	c.lastErr = err
	d := c.m.cfg.BaseBackoff
	for i := 1; i < c.failures && d < c.m.cfg.MaxBackoff; i++ {
		d *= 2
	}
	c.retryAt = time.Now().Add(min(d, c.m.cfg.MaxBackoff))
	c.m.cfg.Log.Warn("mcp server failed", "tenant", c.key.tenant, "claw", c.key.claw, "server", c.key.server,
		"failures", c.failures, "retry_in", min(d, c.m.cfg.MaxBackoff), "err", err)
}

// connect starts (stdio) or reaches (url) the server and initializes a
// session.
func (c *conn) connect(ctx context.Context) (*mcp.ClientSession, error) {
	ctx, cancel := context.WithTimeout(ctx, c.m.cfg.ConnectTimeout)
	defer cancel()
	stop := context.AfterFunc(c.m.ctx, cancel)
	defer stop()
	var t mcp.Transport
	if c.spec.URL != "" {
		hc := *c.m.cfg.HTTPClient
		if len(c.spec.Headers) > 0 {
			hc.Transport = headerTransport{base: hc.Transport, headers: c.spec.Headers}
		}
		t = &mcp.StreamableClientTransport{Endpoint: c.spec.URL, HTTPClient: &hc}
	} else {
		if c.workspace == "" {
			return nil, errors.New("stdio server needs a workspace, and the node has none")
		}
		if err := os.MkdirAll(c.workspace, 0o700); err != nil {
			return nil, fmt.Errorf("workspace: %w", err)
		}
		var cmd *exec.Cmd
		err := guard(func() error {
			var err error
			cmd, err = c.m.cfg.Command(ctx, c.claw, c.workspace, c.spec)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("command: %w", err)
		}
		if cmd.Stderr == nil {
			tail := &tailBuffer{}
			cmd.Stderr = tail
			c.stderr = tail
		}
		t = &mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "reef", Version: "1"}, &mcp.ClientOptions{
		Logger: c.m.cfg.Log,
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			c.stale.Store(true)
			if h := c.m.cfg.OnToolsChanged; h != nil {
				h(c.key.tenant, c.key.claw, c.key.server)
			}
		},
	})
	var cs *mcp.ClientSession
	err := guard(func() error {
		var err error
		cs, err = client.Connect(ctx, t, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect: %w%s", err, c.stderrTail())
	}
	return cs, nil
}

// stderrTail is the end of a stdio server's standard error, for errors.
func (c *conn) stderrTail() string {
	if c.stderr == nil {
		return ""
	}
	if s := strings.TrimSpace(c.stderr.String()); s != "" {
		return "; its stderr ends: " + s
	}
	return ""
}

// tailBuffer keeps the last tailSize bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - tailSize; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// watch waits for the session to end and records its death.
func (c *conn) watch(cs *mcp.ClientSession) {
	defer c.m.wg.Done()
	err := cs.Wait()
	_ = guard(cs.Close) // reaps a stdio server's process
	if err == nil {
		err = errors.New("server closed the connection")
	}
	c.dead(cs, err)
}

// drop ends a session that failed a call (its connection closed, or the
// SDK panicked), without waiting for the watcher to notice.
func (c *conn) drop(cs *mcp.ClientSession, err error) {
	c.dead(cs, err)
	go func() { _ = guard(cs.Close) }()
}

// dead records the death of cs, if it is still the current session.
func (c *conn) dead(cs *mcp.ClientSession, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != cs {
		return
	}
	c.session, c.list = nil, nil
	if c.closed {
		return
	}
	if time.Since(c.started) >= healthyFor {
		c.failures = 0
	}
	c.failed(fmt.Errorf("server died: %w%s", err, c.stderrTail()))
}

// session returns a live session for a call, connecting if needed.
func (c *conn) sessionFor(ctx context.Context) (*mcp.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ensure(ctx)
}

// close ends the connection for good.
func (c *conn) close() {
	c.mu.Lock()
	c.closed = true
	cs := c.session
	c.mu.Unlock()
	if cs != nil {
		_ = guard(cs.Close)
	}
}

// guard runs f, turning a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in MCP client: %v", v)
		}
	}()
	return f()
}

// headerTransport adds a server's configured headers to each request.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.headers {
		r.Header.Set(k, v)
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
