package openai_test

import (
	"net/http"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/openai"
	"github.com/reefhq/reef/internal/llm/providertest"
)

// newProvider returns a provider named "oa" on srv.
func newProvider(t *testing.T, srv *llmtest.Server, maxRetries int) llm.Provider {
	return openai.New(llm.ClientConfig{Name: "oa", BaseURL: srv.OpenAIBaseURL(), APIKey: "sk-test", MaxRetries: maxRetries})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Exercise(t, providertest.Spec{
		Name:      "oa",
		Protocol:  llmtest.ProtocolOpenAI,
		StopText:  "stop",
		StopTools: "tool_calls",
		CheckCall: func(t *testing.T, c llmtest.Call) {
			// A streamed call asks for the final usage chunk; a plain one
			// gets usage anyway.
			if c.StreamUsage != c.Stream {
				t.Errorf("stream usage = %v, want %v (stream)", c.StreamUsage, c.Stream)
			}
			if got := c.Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
		},
		ErrorCases: []providertest.ErrorCase{
			// The SDK does not wait out a Retry-After over two minutes: it gives up.
			{Name: "long Retry-After not awaited", Handler: llmtest.Script(llmtest.Reply{Status: 429, RetryAfter: "3600"}), WantCalls: 1, WantStatus: 429, WantMsg: "Too Many Requests"},
		},
	}, newProvider)
}

func BenchmarkComplete(b *testing.B) {
	providertest.Benchmark(b, func(srv *llmtest.Server, client *http.Client) llm.Provider {
		return openai.New(llm.ClientConfig{BaseURL: srv.OpenAIBaseURL(), APIKey: "k", HTTPClient: client})
	})
}
