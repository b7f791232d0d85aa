package anthropic_test

import (
	"net/http"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/anthropic"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/providertest"
)

// newProvider returns a provider named "an" on srv.
func newProvider(t *testing.T, srv *llmtest.Server, maxRetries int) llm.Provider {
	return anthropic.New(llm.ClientConfig{Name: "an", BaseURL: srv.URL(), APIKey: "sk-test", MaxRetries: maxRetries})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Exercise(t, providertest.Spec{
		Name:      "an",
		Protocol:  llmtest.ProtocolAnthropic,
		StopText:  "end_turn",
		StopTools: "tool_use",
		CheckCall: func(t *testing.T, c llmtest.Call) {
			// SDK v2 sends the API key as a bearer token, not as x-api-key.
			if got := c.Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
			if c.Header.Get("Anthropic-Version") == "" {
				t.Error("no anthropic-version header")
			}
		},
		ErrorCases: []providertest.ErrorCase{
			{Name: "529 overloaded then success", Handler: llmtest.Script(llmtest.Reply{Status: 529, RetryAfter: "0"}), WantCalls: 2},
		},
	}, newProvider)
}

func TestCompleteDefaultMaxTokens(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewTest(t, llmtest.Echo)
	p := newProvider(t, srv, 0)
	req := llm.Request{Model: "claude-test", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}}
	if _, err := p.Complete(t.Context(), req); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := srv.Calls()[0].MaxTokens; got != anthropic.DefaultMaxTokens {
		t.Errorf("max tokens = %d, want %d", got, anthropic.DefaultMaxTokens)
	}
}

func BenchmarkComplete(b *testing.B) {
	providertest.Benchmark(b, func(srv *llmtest.Server, client *http.Client) llm.Provider {
		return anthropic.New(llm.ClientConfig{BaseURL: srv.URL(), APIKey: "k", HTTPClient: client})
	})
}
