package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"syscall"
	"time"
)

// ErrNoNode is the error of a request no node was listening for.
var ErrNoNode = errors.New("no node listening")

// send makes one request, retrying while the node refuses connections
// for up to WaitReady: such a request never reached a node, so sending
// it again is safe whatever it does.
func (c *Client) send(ctx context.Context, method, path string, body []byte, ctype string) (*http.Response, error) {
	deadline := time.Now().Add(c.WaitReady)
	backoff := 50 * time.Millisecond
	for {
		req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		if c.Tenant != "" {
			req.Header.Set("Reef-Tenant", c.Tenant)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := c.HTTP.Do(req)
		if err == nil {
			return resp, nil
		}
		if !refused(err) {
			return nil, fmt.Errorf("reach reef at %s: %w", c.BaseURL, err)
		}
		if time.Until(deadline) < backoff {
			return nil, fmt.Errorf("%w at %s: start one with `reef serve`, or set --server or $REEF_SERVER", ErrNoNode, c.BaseURL)
		}
		if err := pause(ctx, backoff); err != nil {
			return nil, err
		}
		backoff = min(2*backoff, time.Second)
	}
}

// refused reports whether err is a refused connection: nothing listens at
// the address (yet).
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// dropped reports whether err is a transport failure after which the node
// may or may not have processed the request (the connection broke, the
// node went away mid-request), as opposed to an answer of the node.
func dropped(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return err != nil
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
