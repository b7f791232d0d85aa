// Package client is a Go client for reef's HTTP API, used by the CLI and
// the end-to-end tests. It speaks the wire types of internal/api and links
// nothing of the server (cmd/reef/clientdeps_test.go).
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
)

// Client talks to one node.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:7420
	Token   string
	// Tenant, when set, is the tenant an admin token acts on (the
	// Reef-Tenant header).
	Tenant string
	HTTP   *http.Client
	// WaitReady, when positive, is how long a request waits for a node
	// that is not listening yet (a refused connection: the request never
	// reached it), retrying with backoff; zero fails at once.
	WaitReady time.Duration
	// RetryFor, when positive, is how long Send keeps sending a message
	// again, with its idempotency key, after a dropped connection.
	RetryFor time.Duration
}

// New returns a client for the node at baseURL.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{}}
}

// APIError is an error answered by the node.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Message }

// apiError is the error of a response with status >= 400 and body data.
func apiError(status int, data []byte) *APIError {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
		return &APIError{Status: status, Code: "http", Message: fmt.Sprintf("HTTP %d: %s", status, bytes.TrimSpace(data))}
	}
	return &APIError{Status: status, Code: e.Error.Code, Message: e.Error.Message}
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, ctype string, out any) (int, error) {
	resp, err := c.send(ctx, method, path, body, ctype)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, apiError(resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode response: %w", err)
		}
	}
	return resp.StatusCode, nil
}

func (c *Client) doJSON(ctx context.Context, method, path string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = b
	}
	return c.do(ctx, method, path, body, "application/json", out)
}

func clawPath(name string, rest ...string) string {
	p := "/v1/claws/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// Apply sends a spec (YAML or JSON).
func (c *Client) Apply(ctx context.Context, spec []byte) (api.ApplyResponse, error) {
	var out api.ApplyResponse
	_, err := c.do(ctx, http.MethodPost, "/v1/claws", spec, "application/yaml", &out)
	return out, err
}

// Claws lists the tenant's claws.
func (c *Client) Claws(ctx context.Context) ([]claw.Claw, error) {
	var out struct{ Claws []claw.Claw }
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/claws", nil, &out)
	return out.Claws, err
}

// Get returns one claw.
func (c *Client) Get(ctx context.Context, name string) (claw.Claw, error) {
	var out claw.Claw
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name), nil, &out)
	return out, err
}

// Delete removes a claw.
func (c *Client) Delete(ctx context.Context, name string) error {
	_, err := c.doJSON(ctx, http.MethodDelete, clawPath(name), nil, nil)
	return err
}

// Versions lists a claw's spec versions.
func (c *Client) Versions(ctx context.Context, name string) ([]claw.Version, error) {
	var out struct{ Versions []claw.Version }
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name, "versions"), nil, &out)
	return out.Versions, err
}

// Rollback re-applies version to (0: the previous version).
func (c *Client) Rollback(ctx context.Context, name string, to int) (api.ApplyResponse, error) {
	var out api.ApplyResponse
	_, err := c.doJSON(ctx, http.MethodPost, clawPath(name, "rollback"), map[string]int{"to": to}, &out)
	return out, err
}

// Send posts a message; wait > 0 waits up to that long for the reply. A
// message without an idempotency key is given a new one (NewKey), so that
// sending it again finds the event it made instead of making another:
// when the connection drops before the node answers (it crashed or
// restarted mid-request), Send sends it again, with the same key, until
// the node answers or RetryFor has passed.
func (c *Client) Send(ctx context.Context, name string, req api.MessageRequest, wait time.Duration) (api.EventResponse, error) {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = NewKey()
	}
	path := clawPath(name, "messages")
	if wait > 0 {
		path += "?wait=" + url.QueryEscape(wait.String())
	}
	deadline := time.Now().Add(c.RetryFor)
	backoff := 100 * time.Millisecond
	for {
		var out api.EventResponse
		_, err := c.doJSON(ctx, http.MethodPost, path, req, &out)
		if err == nil || !dropped(err) || time.Until(deadline) < backoff {
			return out, err
		}
		if err := pause(ctx, backoff); err != nil {
			return out, err
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// NewKey returns a new random idempotency key.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:])
	return "cli-" + hex.EncodeToString(b[:])
}

// Event returns an event's status and reply; wait > 0 first waits up to
// that long for the event to end.
func (c *Client) Event(ctx context.Context, name string, id int64, wait time.Duration) (api.EventResponse, error) {
	var out api.EventResponse
	path := clawPath(name, "events", fmt.Sprint(id))
	if wait > 0 {
		path += "?wait=" + url.QueryEscape(wait.String())
	}
	_, err := c.doJSON(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// Runs lists a claw's recent runs.
func (c *Client) Runs(ctx context.Context, name string, limit int) ([]claw.Run, error) {
	var out struct{ Runs []claw.Run }
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name, "runs")+fmt.Sprintf("?limit=%d", limit), nil, &out)
	return out.Runs, err
}

// Run returns one run with its steps.
func (c *Client) Run(ctx context.Context, name string, id int64) (api.RunView, error) {
	var out api.RunView
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name, "runs", fmt.Sprint(id)), nil, &out)
	return out, err
}

// Version returns the node's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	var out struct{ Version string }
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/version", nil, &out)
	return out.Version, err
}

// Pause pauses a claw.
func (c *Client) Pause(ctx context.Context, name string) (claw.Claw, error) {
	var out claw.Claw
	_, err := c.doJSON(ctx, http.MethodPost, clawPath(name, "pause"), nil, &out)
	return out, err
}

// Resume resumes a paused claw.
func (c *Client) Resume(ctx context.Context, name string) (claw.Claw, error) {
	var out claw.Claw
	_, err := c.doJSON(ctx, http.MethodPost, clawPath(name, "resume"), nil, &out)
	return out, err
}

// Restart clears a claw's crash history and runs it again.
func (c *Client) Restart(ctx context.Context, name string) (claw.Claw, error) {
	var out claw.Claw
	_, err := c.doJSON(ctx, http.MethodPost, clawPath(name, "restart"), nil, &out)
	return out, err
}

// Audit lists audit records, newest first; name "" lists every claw's.
func (c *Client) Audit(ctx context.Context, name string, limit int) ([]claw.AuditRecord, error) {
	var out struct{ Audit []claw.AuditRecord }
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if name != "" {
		q.Set("claw", name)
	}
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/audit?"+q.Encode(), nil, &out)
	return out.Audit, err
}

// Approvals lists approvals, pending ones unless all; name "" lists every
// claw's.
func (c *Client) Approvals(ctx context.Context, name string, all bool) ([]claw.Approval, error) {
	var out struct{ Approvals []claw.Approval }
	q := url.Values{}
	if name != "" {
		q.Set("claw", name)
	}
	if all {
		q.Set("all", "true")
	}
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/approvals?"+q.Encode(), nil, &out)
	return out.Approvals, err
}

// Decide approves or denies the tool call a run waits on.
func (c *Client) Decide(ctx context.Context, runID int64, approve bool, reason string) (claw.Approval, error) {
	var out claw.Approval
	verb := "deny"
	if approve {
		verb = "approve"
	}
	_, err := c.doJSON(ctx, http.MethodPost, fmt.Sprintf("/v1/runs/%d/%s", runID, verb), api.DecisionRequest{Reason: reason}, &out)
	return out, err
}
