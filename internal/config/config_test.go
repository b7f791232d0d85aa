package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/spec"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParse(t *testing.T) {
	t.Parallel()
	three := 3
	getenv := env(map[string]string{"OPENAI_API_KEY": "sk-env", "EMPTY": ""})
	tests := []struct {
		name string
		in   string
		want config.Config
		keys map[string]string // provider -> ResolvedKey
		errs []string
	}{
		{
			name: "full",
			in: `providers:
  openai:
    kind: openai
    api_key_env: OPENAI_API_KEY
  local:
    kind: openai
    base_url: http://127.0.0.1:11434/v1
  claude:
    kind: anthropic
    api_key: sk-inline
    max_retries: 3
    timeout: 2m
workers: 8
`,
			want: config.Config{
				Providers: map[string]config.Provider{
					"openai": {Kind: "openai", APIKeyEnv: "OPENAI_API_KEY"},
					"local":  {Kind: "openai", BaseURL: "http://127.0.0.1:11434/v1"},
					"claude": {Kind: "anthropic", APIKey: "sk-inline", MaxRetries: &three, Timeout: claw.Duration(2 * time.Minute)},
				},
				Workers: 8,
			},
			keys: map[string]string{"openai": "sk-env", "local": "", "claude": "sk-inline"},
		},
		{
			name: "JSON",
			in:   `{"providers": {"p": {"kind": "anthropic"}}}`,
			want: config.Config{Providers: map[string]config.Provider{"p": {Kind: "anthropic"}}, Workers: 64},
		},
		{
			name: "workspace roots",
			in:   "workspace_roots: [/srv/reef-ws, /home/claws]\n",
			want: config.Config{Providers: map[string]config.Provider{}, Workers: 64, WorkspaceRoots: []string{"/srv/reef-ws", "/home/claws"}},
		},
		{
			name: "bad workspace roots",
			in:   "workspace_roots:\n  - ws\n  - /\n  - /etc/reef\n  - /srv/ws/\n  - /srv/a\n  - /srv/a\n  - /var\n",
			errs: []string{
				`line 2: workspace_roots[0]: ws is not an absolute path`,
				`line 3: workspace_roots[1]: / is the root directory`,
				`line 4: workspace_roots[2]: /etc/reef lies inside the system directory /etc`,
				`line 5: workspace_roots[3]: /srv/ws/ is not a clean path (/srv/ws)`,
				`line 7: workspace_roots[5]: duplicate root /srv/a (also workspace_roots[4])`,
				`line 8: workspace_roots[6]: /var contains the system directory /var/backups`,
			},
		},
		{name: "empty", in: "", want: config.Default()},
		{name: "builtin", in: "providers:\n  builtin:\n    kind: builtin\n", want: config.Config{Providers: map[string]config.Provider{"builtin": {Kind: config.KindBuiltin}}, Workers: config.DefaultWorkers}},
		{name: "only comments", in: "# providers:\n#   openai: {kind: openai}\n", want: config.Default()},
		{name: "no providers", in: "workers: 2\n", want: config.Config{Providers: map[string]config.Provider{}, Workers: 2}},
		{
			name: "unknown keys",
			in:   "provider:\n  openai: {kind: openai}\nworkers: 2\n",
			errs: []string{`line 1: unknown key "provider" in config (did you mean "providers"?)`},
		},
		{
			name: "nested unknown key",
			in:   "providers:\n  openai:\n    kind: openai\n    api_kee: x\n",
			errs: []string{`line 4: unknown key "api_kee" in providers.openai (did you mean "api_key"?)`},
		},
		{
			name: "wrong kinds",
			in:   "providers:\n  openai:\n    kind: [openai]\n    max_retries: lots\n    timeout: 5\nworkers: many\n",
			errs: []string{
				`line 3: providers.openai.kind: expected a string, got a list`,
				`line 4: providers.openai.max_retries: expected an integer, got "lots"`,
				`line 5: providers.openai.timeout: duration must be a string such as "90s"`,
				`line 6: workers: expected an integer, got "many"`,
			},
		},
		{
			name: "duplicate provider",
			in:   "providers:\n  a: {kind: openai}\n  a: {kind: anthropic}\n",
			errs: []string{`line 3: duplicate key "a" in providers (first at line 2)`},
		},
		{
			name: "invalid values",
			in: `providers:
  Bad.Name:
    kind: openai
  a:
    kind: gemini
    base_url: ftp://example.com
  b:
    api_key: x
    api_key_env: OPENAI_API_KEY
    max_retries: -1
    timeout: -5s
  c:
    kind: anthropic
    api_key_env: ANTHROPIC_API_KEY
  d:
    kind: openai
    api_key_env: EMPTY
    base_url: "http://"
  e:
workers: -1
`,
			errs: []string{
				`line 2: providers["Bad.Name"]: provider name must be lowercase letters, digits, '-' or '_', starting with a letter or digit (^[a-z0-9][a-z0-9_-]*$)`,
				`line 5: providers.a.kind: must be "openai", "anthropic" or "builtin", got "gemini"`,
				`line 6: providers.a.base_url: must be an http or https URL, got "ftp://example.com"`,
				`line 7: providers.b.kind: is required: "openai", "anthropic" or "builtin"`,
				`line 9: providers.b.api_key_env: api_key and api_key_env are mutually exclusive; set one`,
				`line 10: providers.b.max_retries: must be between 0 and 100, got -1`,
				`line 11: providers.b.timeout: must be positive and at most 1h, got -5s`,
				`line 14: providers.c.api_key_env: environment variable ANTHROPIC_API_KEY is not set`,
				`line 17: providers.d.api_key_env: environment variable EMPTY is not set`,
				`line 18: providers.d.base_url: must be an http or https URL, got "http://"`,
				`line 19: providers.e.kind: is required: "openai", "anthropic" or "builtin"`,
				`line 20: workers: must be at least 1, got -1`,
			},
		},
		{
			name: "decoding and validation problems together",
			in:   "providers:\n  a:\n    kind: gemini\n    timeout: soon\n",
			errs: []string{
				`line 3: providers.a.kind: must be "openai", "anthropic" or "builtin", got "gemini"`,
				`line 4: providers.a.timeout: invalid duration "soon"`,
			},
		},
		{
			name: "builtin with a base URL",
			in:   "providers:\n  b:\n    kind: builtin\n    base_url: http://127.0.0.1:1/v1\n",
			errs: []string{`line 3: providers.b.kind: the builtin model runs inside the node: it takes no base_url, api_key or api_key_env`},
		},
		{
			name: "two documents",
			in:   "workers: 1\n---\nworkers: 2\n",
			errs: []string{`line 3: more than one document (---); expected exactly one`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.Parse([]byte(tt.in), getenv)
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				for name, key := range tt.keys {
					if k := got.Providers[name].ResolvedKey(); k != key {
						t.Errorf("%s: ResolvedKey() = %q, want %q", name, k, key)
					}
				}
				// Compare without the resolved keys, which are unexported.
				for name, p := range got.Providers {
					got.Providers[name] = config.Provider{Kind: p.Kind, BaseURL: p.BaseURL, APIKey: p.APIKey,
						APIKeyEnv: p.APIKeyEnv, MaxRetries: p.MaxRetries, Timeout: p.Timeout}
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Parse:\n got %#v\nwant %#v", got, tt.want)
				}
				return
			}
			if claw.ErrorCode(err) != claw.EUNPROCESSABLE {
				t.Fatalf("Parse error %v: want code %q", err, claw.EUNPROCESSABLE)
			}
			var lines []string
			for _, p := range spec.Problems(err) {
				lines = append(lines, p.String())
			}
			if !reflect.DeepEqual(lines, tt.errs) {
				t.Errorf("problems:\n got %q\nwant %q", lines, tt.errs)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	c := config.Default()
	if c.Workers != 64 || c.Providers == nil || len(c.Providers) != 0 {
		t.Fatalf("Default() = %#v", c)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "reef.yaml")
	if err := os.WriteFile(path, []byte("providers:\n  local: {kind: openai, base_url: \"https://llm.internal/v1\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Providers["local"]; p.Kind != "openai" || p.BaseURL != "https://llm.internal/v1" || c.Workers != 64 {
		t.Fatalf("Load = %#v", c)
	}

	if _, err := config.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("workerz: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(bad)
	want := "config " + bad + ":\nline 1: unknown key \"workerz\" in config (did you mean \"workers\"?)"
	if err == nil || err.Error() != want || claw.ErrorCode(err) != claw.EUNPROCESSABLE {
		t.Errorf("Load(bad) = %v, want %q", err, want)
	}
}
