// Package openai is reef's llm.Provider for the OpenAI Chat Completions API
// and the many servers compatible with it (OpenRouter, vLLM, Ollama, ...),
// built on the official github.com/openai/openai-go SDK.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/reefhq/reef/internal/llm"
)

// Provider calls the Chat Completions API. It is safe for concurrent use.
type Provider struct {
	name string
	chat sdk.ChatCompletionService
}

var _ llm.Provider = (*Provider)(nil)

// New returns a provider for cfg. cfg.BaseURL is the API root including
// "/v1"; cfg.Name defaults to "openai".
//
// Retries are the SDK's own. It waits as the response's Retry-After-Ms or
// Retry-After header says (seconds or an HTTP date), else backs off
// exponentially from 0.5s up to 8s with jitter. A server-directed wait
// over 2 minutes is not honoured by waiting: the SDK stops retrying and
// returns that response's error at once.
func New(cfg llm.ClientConfig) *Provider {
	if cfg.Name == "" {
		cfg.Name = "openai"
	}
	client := cfg.Client()
	opts := []option.RequestOption{
		option.WithHTTPClient(client),
		option.WithMaxRetries(cfg.Retries()),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	} else {
		opts = append(opts, option.WithEnvironmentProduction())
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, option.WithRequestTimeout(cfg.Timeout))
	}
	// The chat service is built directly, not through sdk.NewClient, which
	// would read OPENAI_* variables from the environment.
	return &Provider{name: cfg.Name, chat: sdk.NewChatCompletionService(opts...)}
}

// Complete sends req as one chat completion, streamed when req.OnText is
// set.
func (p *Provider) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	params, err := newParams(req)
	if err != nil {
		return llm.Response{}, err
	}
	if req.OnText == nil {
		c, err := p.chat.New(ctx, params)
		if err != nil {
			return llm.Response{}, p.mapError(err)
		}
		return p.response(c, c.Usage)
	}
	return p.stream(ctx, params, req.OnText)
}

// stream sends params with streaming, passes text deltas to onText and
// accumulates the chunks into the completion.
func (p *Provider) stream(ctx context.Context, params sdk.ChatCompletionNewParams, onText func(string)) (llm.Response, error) {
	params.StreamOptions = sdk.ChatCompletionStreamOptionsParam{IncludeUsage: sdk.Bool(true)}
	s := p.chat.NewStreaming(ctx, params)
	defer s.Close()
	var acc sdk.ChatCompletionAccumulator
	// The accumulator adds up usage over chunks; servers that repeat a
	// running total in every chunk would be counted many times, so the
	// last usage seen is kept instead.
	var usage sdk.CompletionUsage
	for s.Next() {
		chunk := s.Current()
		if !acc.AddChunk(chunk) {
			return llm.Response{}, &llm.Error{Provider: p.name, Message: "stream chunk out of order or malformed"}
		}
		if chunk.JSON.Usage.Valid() {
			usage = chunk.Usage
		}
		for _, c := range chunk.Choices {
			if c.Index == 0 && c.Delta.Content != "" {
				onText(c.Delta.Content)
			}
		}
	}
	if err := s.Err(); err != nil {
		return llm.Response{}, p.mapError(err)
	}
	return p.response(&acc.ChatCompletion, usage)
}

// mapError turns an SDK failure into an *llm.Error when the API reported
// it, and wraps anything else.
func (p *Provider) mapError(err error) error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		msg := apiErr.Message
		if msg == "" {
			msg = apiErr.RawJSON()
		}
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		return &llm.Error{Provider: p.name, Status: apiErr.StatusCode, Message: msg}
	}
	var streamErr *ssestream.StreamError
	if errors.As(err, &streamErr) {
		var body struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := streamErr.Message
		if json.Unmarshal(streamErr.Event.Data, &body) == nil && body.Error.Message != "" {
			msg = body.Error.Message
		}
		return &llm.Error{Provider: p.name, Message: msg}
	}
	return fmt.Errorf("call %s: %w", p.name, err)
}
