package config_test

import (
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/spec"
)

// FuzzDecodeStrict runs the strict decoder and the config's validation on
// arbitrary input: they must never panic, must fail only with problems, and
// what they accept must be a usable config.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{
		"providers:\n  openai: {kind: openai, api_key_env: KEY}\nworkers: 3\n",
		"providers:\n  a:\n    kind: anthropic\n    base_url: https://x/v1\n    max_retries: 2\n    timeout: 30s\n",
		`{"providers": {"a": {"kind": "openai", "api_key": "k"}}, "workers": 1}`,
		"providers:\n  a: &p {kind: openai}\n  b: *p\n",
		"providers: [a]\n",
		"workerz: 1\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	getenv := func(k string) string {
		if k == "KEY" {
			return "secret"
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw config.Config
		if err := spec.DecodeStrict(data, &raw); err != nil && claw.ErrorCode(err) != claw.EUNPROCESSABLE {
			t.Fatalf("DecodeStrict error %v: want code %q", err, claw.EUNPROCESSABLE)
		}
		c, err := config.Parse(data, getenv)
		if err != nil {
			if claw.ErrorCode(err) != claw.EUNPROCESSABLE || len(spec.Problems(err)) == 0 {
				t.Fatalf("Parse error %v: want EUNPROCESSABLE with problems", err)
			}
			return
		}
		if c.Workers < 1 || c.Providers == nil {
			t.Fatalf("Parse accepted %#v: workers or providers unset", c)
		}
		for name, p := range c.Providers {
			if !spec.ValidProviderName(name) || (p.Kind != config.KindOpenAI && p.Kind != config.KindAnthropic && p.Kind != config.KindBuiltin) {
				t.Fatalf("Parse accepted provider %q: %#v", name, p)
			}
			if p.APIKeyEnv != "" && p.ResolvedKey() == "" {
				t.Fatalf("provider %q: api_key_env %q accepted but not resolved", name, p.APIKeyEnv)
			}
		}
	})
}
