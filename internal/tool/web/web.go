// Package web is the "http_fetch" tool: an HTTP GET or POST made by the
// node on a claw's behalf, through the same egress policy as its
// sandboxed processes (internal/egress): only the hosts of the claw's
// sandbox.network, never an internal address it does not name.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/egress"
	"github.com/reefhq/reef/internal/tool"
)

// Default caps.
const (
	MaxBody        = 256 << 10 // response body bytes returned
	MaxRequestBody = 1 << 20
	MaxRedirects   = 5
)

// Fetch is the http_fetch tool.
type Fetch struct {
	Resolver egress.Resolver // default net.DefaultResolver
	Log      *slog.Logger
	MaxBody  int // default MaxBody
}

var _ tool.Tool = (*Fetch)(nil)

// Name is "http_fetch".
func (*Fetch) Name() string { return "http_fetch" }

// Description tells the model what the tool does.
func (*Fetch) Description() string {
	return "Makes an HTTP GET or POST request to a host the claw's sandbox.network allows (host:port) and returns " +
		"a JSON object with status, headers and the body (capped; a note says when it was truncated). Private and " +
		"loopback addresses are refused unless listed by address."
}

// Schema describes url, method, headers and body.
func (*Fetch) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"url":{"type":"string","format":"uri","pattern":"^https?://","description":"Absolute http:// or https:// URL."},` +
		`"method":{"type":"string","enum":["GET","POST"],"default":"GET"},` +
		`"headers":{"type":"object","additionalProperties":{"type":"string"},"description":"Request headers."},` +
		`"body":{"type":"string","maxLength":1048576,"description":"Request body, for POST."}},` +
		`"required":["url"],"additionalProperties":false}`)
}

// Idempotent is false: the tool can POST. (A GET is usually safe to
// repeat, but idempotency is declared per tool, and a call cut by a crash
// is then reported to the model instead of silently re-sent.)
func (*Fetch) Idempotent() bool { return false }

type args struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    *string           `json:"body"`
}

// Response is the tool's answer, as JSON.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Notes   []string          `json:"notes,omitempty"`
}

// Call makes the request.
func (f *Fetch) Call(ctx context.Context, env tool.Env, raw json.RawMessage) (string, error) {
	var a args
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return "", fmt.Errorf("http_fetch: arguments must be a JSON object with url, method, headers, body: %w", err)
	}
	if a.Method == "" {
		a.Method = http.MethodGet
	}
	u, err := url.Parse(a.URL)
	switch {
	case a.URL == "":
		return "", errors.New("http_fetch: missing required argument \"url\"")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", fmt.Errorf("http_fetch: url must be an absolute http:// or https:// URL, got %q", a.URL)
	case a.Method != http.MethodGet && a.Method != http.MethodPost:
		return "", fmt.Errorf("http_fetch: method must be GET or POST, got %q", a.Method)
	case a.Body != nil && a.Method == http.MethodGet:
		return "", errors.New("http_fetch: a GET has no body; use POST")
	case a.Body != nil && len(*a.Body) > MaxRequestBody:
		return "", fmt.Errorf("http_fetch: body is over %d bytes", MaxRequestBody)
	}
	sb := env.Claw.Spec.Sandbox.WithDefaults()
	if len(sb.Network) == 0 {
		return "", errors.New("http_fetch: network is off for this claw (sandbox.network is none); list host:port entries to allow hosts")
	}
	rules, err := egress.ParseRules(sb.Network)
	if err != nil {
		return "", fmt.Errorf("http_fetch: sandbox.network: %w", err)
	}
	d := &egress.Dialer{Tenant: env.Claw.Tenant, Claw: env.Claw.Name, Policy: egress.Policy{Rules: rules}, Resolver: f.Resolver, Log: f.Log}
	transport := &http.Transport{Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: sb.Timeout.Std()}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: sb.Timeout.Std(), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= MaxRedirects {
			return fmt.Errorf("stopped after %d redirects", MaxRedirects)
		}
		return nil
	}}
	var body io.Reader
	if a.Body != nil {
		body = strings.NewReader(*a.Body)
	}
	req, err := http.NewRequestWithContext(ctx, a.Method, u.String(), body)
	if err != nil {
		return "", fmt.Errorf("http_fetch: %w", err)
	}
	for k, v := range a.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("http_fetch: %w", err)
	}
	defer resp.Body.Close()
	limit := f.MaxBody
	if limit <= 0 {
		limit = MaxBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	out := Response{Status: resp.StatusCode, Headers: map[string]string{}}
	for k, v := range resp.Header {
		out.Headers[k] = strings.Join(v, ", ")
	}
	if err != nil {
		out.Notes = append(out.Notes, "reading the body failed: "+err.Error())
	}
	if len(b) > limit {
		b = b[:limit]
		out.Notes = append(out.Notes, fmt.Sprintf("body truncated to %d bytes", limit))
	}
	out.Body = strings.ToValidUTF8(string(b), "\uFFFD")
	j, err := json.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(j), nil
}
