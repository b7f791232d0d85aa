package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm"
)

// fakeProvider is a Provider that answers with its name.
type fakeProvider string

func (f fakeProvider) Complete(context.Context, llm.Request) (llm.Response, error) {
	return llm.Response{Message: llm.Message{Role: llm.RoleAssistant, Content: string(f)}}, nil
}

func TestParseModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model, provider, name string
		ok                    bool
	}{
		{"openai/gpt-4o", "openai", "gpt-4o", true},
		{"openrouter/meta-llama/llama-3", "openrouter", "meta-llama/llama-3", true},
		{"gpt-4o", "", "", false},
		{"/gpt-4o", "", "", false},
		{"openai/", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			t.Parallel()
			provider, name, err := llm.ParseModel(tt.model)
			if tt.ok != (err == nil) || provider != tt.provider || name != tt.name {
				t.Errorf("ParseModel(%q) = %q, %q, %v", tt.model, provider, name, err)
			}
			if err != nil && !errors.Is(err, llm.ErrInvalidModel) {
				t.Errorf("err = %v, want ErrInvalidModel", err)
			}
		})
	}
}

func TestRegistryResolve(t *testing.T) {
	t.Parallel()
	r := llm.NewRegistry()
	r.Add("openai", fakeProvider("openai"))
	r.Add("openrouter", fakeProvider("openrouter"))
	r.Add("anthropic", fakeProvider("anthropic"))
	tests := []struct {
		model    string
		provider string // "" for an error
		name     string
		wantErr  error
	}{
		{model: "anthropic/claude-sonnet", provider: "anthropic", name: "claude-sonnet"},
		{model: "openrouter/meta-llama/llama-3", provider: "openrouter", name: "meta-llama/llama-3"},
		{model: "ollama/llama3", wantErr: llm.ErrUnknownProvider},
		{model: "gpt-4o", wantErr: llm.ErrInvalidModel},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			t.Parallel()
			p, name, err := r.Resolve(tt.model)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "anthropic, openai, openrouter") {
					t.Fatalf("Resolve(%q) err = %v, want %v naming the providers", tt.model, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.model, err)
			}
			resp, _ := p.Complete(t.Context(), llm.Request{})
			if resp.Message.Content != tt.provider || name != tt.name {
				t.Errorf("Resolve(%q) = %s, %q; want %s, %q", tt.model, resp.Message.Content, name, tt.provider, tt.name)
			}
		})
	}
}

func TestRegistryEmpty(t *testing.T) {
	t.Parallel()
	_, _, err := llm.NewRegistry().Resolve("openai/gpt-4o")
	if err == nil || !strings.Contains(err.Error(), "none registered") {
		t.Fatalf("err = %v, want one saying none are registered", err)
	}
}
