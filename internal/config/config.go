// Package config reads the host config that `reef serve --config FILE`
// takes: the model providers claws may use and node-wide
// limits. The file is YAML or JSON, read as strictly as a claw's spec:
// unknown keys (with a did-you-mean), wrong kinds and invalid values are
// all reported, with their lines, before the node starts.
//
// A complete example:
//
//	providers:
//	  openai:                        # the NAME in a claw's model "openai/gpt-4o"
//	    kind: openai                 # openai | anthropic | builtin
//	    api_key_env: OPENAI_API_KEY  # or api_key: sk-..., not both
//	  local:
//	    kind: openai                 # any OpenAI-compatible server
//	    base_url: http://127.0.0.1:11434/v1
//	  claude:
//	    kind: anthropic
//	    api_key_env: ANTHROPIC_API_KEY
//	    max_retries: 3
//	    timeout: 2m
//	workers: 64
//	disk:
//	  max_workspace: 10Gi   # the largest sandbox.disk a claw may ask for
//	  reserve: 5%           # free space kept on the data volume, or a size
//	workspace_roots: [/srv/reef-workspaces]  # where admin specs may put a workspace
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

// DefaultWorkers is the node-wide limit on concurrent runs when the config
// sets none.
const DefaultWorkers = 64

// Provider kinds: the wire protocol a provider speaks.
const (
	KindOpenAI    = "openai"    // OpenAI chat completions, and compatible servers
	KindAnthropic = "anthropic" // Anthropic messages
	// KindBuiltin is the scripted model inside the node
	// (docs/fake-model.md): no network, no key.
	KindBuiltin = "builtin"
)

// Bounds on provider settings.
const (
	MaxRetries = 100
	MaxTimeout = time.Hour
)

// Config is the host config of one node.
type Config struct {
	// Providers maps a provider NAME, the prefix of a claw's model
	// "NAME/MODEL", to how to reach it. Names are lowercase letters,
	// digits, '-' and '_'.
	Providers map[string]Provider `json:"providers"`
	// Workers bounds the runs in progress on this node at once, across all
	// claws; 0 means DefaultWorkers.
	Workers int `json:"workers,omitempty"`
	// Disk caps the claws' workspace quotas and sets the node's disk
	// reserve (disk.go).
	Disk Disk `json:"disk,omitzero"`
	// WorkspaceRoots are the directories under which an admin-applied
	// spec may place a claw's workspace (workspace.go).
	WorkspaceRoots []string `json:"workspace_roots,omitempty"`
}

// Provider is how to reach one model provider.
type Provider struct {
	// Kind is the protocol: "openai" or "anthropic". Required.
	Kind string `json:"kind"`
	// BaseURL overrides the provider's default endpoint, for proxies and
	// OpenAI-compatible servers; an http or https URL.
	BaseURL string `json:"base_url,omitempty"`
	// APIKey is the key itself. Prefer APIKeyEnv, which keeps it out of
	// the file.
	APIKey string `json:"api_key,omitempty"`
	// APIKeyEnv names the environment variable holding the key; it must be
	// set when the config is read. Exclusive with APIKey.
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// MaxRetries is how many times a failed call is retried, 0 to 100;
	// unset means the provider client's default.
	MaxRetries *int `json:"max_retries,omitempty"`
	// Timeout bounds one model call, such as "2m"; unset means the
	// provider client's default.
	Timeout claw.Duration `json:"timeout,omitzero"`

	// key is the key read from APIKeyEnv by Parse.
	key string
}

// ResolvedKey returns the provider's API key: APIKey, or the value Parse
// read from the variable APIKeyEnv names; "" when the provider has none.
func (p Provider) ResolvedKey() string {
	if p.APIKey != "" {
		return p.APIKey
	}
	return p.key
}

// Default returns the config of a node started without --config: no
// providers and DefaultWorkers.
func Default() Config {
	return Config{Providers: map[string]Provider{}, Workers: DefaultWorkers}
}

// Load reads and parses the config file at path, resolving api_key_env
// from the process environment.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data, os.Getenv)
	if err != nil {
		return Config{}, fmt.Errorf("config %s:\n%w", path, err)
	}
	return c, nil
}

// Parse decodes a YAML or JSON config strictly, validates it, fills in
// defaults, and resolves each api_key_env with getenv. An empty document
// gives Default(). The error is an EUNPROCESSABLE *claw.Error listing
// every problem with its line; spec.Problems returns the list.
func Parse(data []byte, getenv func(string) string) (Config, error) {
	var c Config
	lines, err := spec.DecodeStrictLines(data, &c)
	if errors.Is(err, spec.ErrEmptyDocument) {
		return Default(), nil
	}
	if lines == nil {
		return Config{}, err
	}
	// With decoding problems, c holds the well-formed values: validate
	// them too, so that one attempt reports every problem.
	ps := spec.Problems(err)
	vs := spec.Unrelated(ps, validate(&c, getenv, len(ps) > 0))
	if ps = append(ps, lines.Attach(vs)...); len(ps) > 0 {
		return Config{}, spec.NewError(ps)
	}
	if c.Providers == nil {
		c.Providers = map[string]Provider{}
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	return c, nil
}

// validate checks c and resolves keys from the environment into c. When
// partial, c lacks the values that failed to decode, so missing required
// values are not reported.
func validate(c *Config, getenv func(string) string, partial bool) []spec.Problem {
	var ps []spec.Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, spec.Problem{Path: path, Message: path + ": " + fmt.Sprintf(format, args...)})
	}
	if c.Workers < 0 {
		add("workers", "must be at least 1, got %d", c.Workers)
	}
	ps = append(ps, validateDisk(c.Disk)...)
	names := make([]string, 0, len(c.Providers))
	for name := range c.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := c.Providers[name]
		path := spec.JoinPath("providers", name)
		if !spec.ValidProviderName(name) {
			add(path, "provider name must be lowercase letters, digits, '-' or '_', starting with a letter or digit (%s)", spec.ProviderNamePattern)
		}
		switch p.Kind {
		case KindOpenAI, KindAnthropic:
		case KindBuiltin:
			if p.BaseURL != "" || p.APIKey != "" || p.APIKeyEnv != "" {
				add(path+".kind", "the builtin model runs inside the node: it takes no base_url, api_key or api_key_env")
			}
		case "":
			if !partial {
				add(path+".kind", "is required: %q, %q or %q", KindOpenAI, KindAnthropic, KindBuiltin)
			}
		default:
			add(path+".kind", "must be %q, %q or %q, got %q", KindOpenAI, KindAnthropic, KindBuiltin, p.Kind)
		}
		if p.BaseURL != "" {
			if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(path+".base_url", "must be an http or https URL, got %q", p.BaseURL)
			}
		}
		switch {
		case p.APIKey != "" && p.APIKeyEnv != "":
			add(path+".api_key_env", "api_key and api_key_env are mutually exclusive; set one")
		case p.APIKeyEnv != "":
			if p.key = getenv(p.APIKeyEnv); p.key == "" {
				add(path+".api_key_env", "environment variable %s is not set", p.APIKeyEnv)
			}
		}
		if p.MaxRetries != nil && (*p.MaxRetries < 0 || *p.MaxRetries > MaxRetries) {
			add(path+".max_retries", "must be between 0 and %d, got %d", MaxRetries, *p.MaxRetries)
		}
		if d := p.Timeout.Std(); d < 0 || d > MaxTimeout {
			add(path+".timeout", "must be positive and at most 1h, got %s", d)
		}
		c.Providers[name] = p
	}
	return append(ps, validateWorkspaceRoots(c.WorkspaceRoots)...)
}
