package llm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Errors returned by ParseModel and Registry.Resolve; match with errors.Is.
var (
	// ErrInvalidModel reports a model string not of the form "provider/model".
	ErrInvalidModel = errors.New("invalid model")
	// ErrUnknownProvider reports a provider name no provider was added under.
	ErrUnknownProvider = errors.New("unknown provider")
)

// ParseModel splits a claw's model string "provider/model" at its first
// slash. The model part may itself contain slashes, as in
// "openrouter/meta-llama/llama-3". Both parts must be non-empty.
func ParseModel(model string) (provider, name string, err error) {
	provider, name, ok := strings.Cut(model, "/")
	if !ok || provider == "" || name == "" {
		return "", "", fmt.Errorf("%w %q: want \"provider/model\", such as \"openai/gpt-4o\"", ErrInvalidModel, model)
	}
	return provider, name, nil
}

// Registry maps provider names, the prefix of a claw's model string, to
// providers. It is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	providers map[string]Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{providers: make(map[string]Provider)}
}

// Add registers p under name, replacing any provider already there.
func (r *Registry) Add(name string, p Provider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.providers[name] = p
}

// Names returns the registered provider names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.providers))
	for name := range r.providers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Resolve returns the provider named by model's "provider/" prefix and the
// model name to send to it. The error names the registered providers and
// wraps ErrInvalidModel or ErrUnknownProvider.
func (r *Registry) Resolve(model string) (Provider, string, error) {
	provider, name, err := ParseModel(model)
	if err != nil {
		return nil, "", fmt.Errorf("%w (providers: %s)", err, r.known())
	}
	r.mu.RLock()
	p, ok := r.providers[provider]
	r.mu.RUnlock()
	if !ok {
		return nil, "", fmt.Errorf("%w %q in model %q (providers: %s)", ErrUnknownProvider, provider, model, r.known())
	}
	return p, name, nil
}

// known lists the registered names for error messages.
func (r *Registry) known() string {
	names := r.Names()
	if len(names) == 0 {
		return "none registered"
	}
	return strings.Join(names, ", ")
}
