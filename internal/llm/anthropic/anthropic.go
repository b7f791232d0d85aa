// Package anthropic is reef's llm.Provider for the Anthropic Messages API,
// built on the official github.com/anthropics/anthropic-sdk-go SDK.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/reefhq/reef/internal/llm"
)

// DefaultMaxTokens is the max_tokens of a request whose
// llm.Request.MaxTokens is 0; the API needs one.
const DefaultMaxTokens = 4096

// Provider calls the Messages API. It is safe for concurrent use.
type Provider struct {
	name   string
	client sdk.Client
}

var _ llm.Provider = (*Provider)(nil)

// New returns a provider for cfg. cfg.BaseURL is the API root without
// "/v1"; cfg.Name defaults to "anthropic". A zero cfg.Timeout leaves the
// attempt's bound to the SDK, which gives a non-streamed call 10 minutes
// and refuses, before sending, one whose max_tokens suggest it would take
// longer: stream (set OnText) or set a Timeout for large outputs.
//
// Retries are the SDK's own. It waits as the response's Retry-After-Ms or
// Retry-After header says (seconds or an HTTP date), however long that is
// (the context still bounds it), else backs off exponentially from 0.5s
// up to 8s with jitter.
func New(cfg llm.ClientConfig) *Provider {
	if cfg.Name == "" {
		cfg.Name = "anthropic"
	}
	client := cfg.Client()
	opts := []option.RequestOption{
		// Without this the SDK reads ANTHROPIC_* variables and profile files.
		option.WithoutEnvironmentDefaults(),
		option.WithHTTPClient(client),
		option.WithMaxRetries(cfg.Retries()),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, option.WithRequestTimeout(cfg.Timeout))
	}
	return &Provider{name: cfg.Name, client: sdk.NewClient(opts...)}
}

// Complete sends req as one message, streamed when req.OnText is set.
func (p *Provider) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	params, err := newParams(req)
	if err != nil {
		return llm.Response{}, err
	}
	if req.OnText == nil {
		m, err := p.client.Messages.New(ctx, params)
		if err != nil {
			return llm.Response{}, p.mapError(err)
		}
		return response(m), nil
	}
	return p.stream(ctx, params, req.OnText)
}

// stream sends params with streaming, passes text deltas to onText and
// accumulates the events into the message.
func (p *Provider) stream(ctx context.Context, params sdk.MessageNewParams, onText func(string)) (llm.Response, error) {
	s := p.client.Messages.NewStreaming(ctx, params)
	defer s.Close()
	var m sdk.Message
	for s.Next() {
		ev := s.Current()
		if err := m.Accumulate(ev); err != nil {
			return llm.Response{}, &llm.Error{Provider: p.name, Message: "accumulate stream: " + err.Error()}
		}
		if ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
			onText(ev.Delta.Text)
		}
	}
	if err := s.Err(); err != nil {
		return llm.Response{}, p.mapError(err)
	}
	return response(&m), nil
}

// streamStatus gives the HTTP status the API uses for an error type, for
// errors that arrive inside a stream after a 200 response; 0 if unknown.
func streamStatus(errorType string) int {
	switch errorType {
	case "invalid_request_error":
		return http.StatusBadRequest
	case "authentication_error":
		return http.StatusUnauthorized
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "api_error":
		return http.StatusInternalServerError
	case "timeout_error":
		return http.StatusGatewayTimeout
	case "overloaded_error":
		return 529
	default:
		return 0
	}
}

// mapError turns an SDK failure into an *llm.Error when the API reported
// it, and wraps anything else.
func (p *Provider) mapError(err error) error {
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("call %s: %w", p.name, err)
	}
	status := apiErr.StatusCode
	if status < 400 { // an error event inside a stream
		status = streamStatus(string(apiErr.Type()))
	}
	msg := apiErr.Message
	if msg == "" {
		msg = apiErr.RawJSON()
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &llm.Error{Provider: p.name, Status: status, Message: msg}
}
