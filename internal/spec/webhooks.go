package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

// Bounds of a spec's webhooks.
const (
	MaxWebhooks       = 64       // webhooks per claw
	MaxWebhookHeaders = 32       // headers listed per hook
	MaxWebhookPrompt  = 64 << 10 // bytes of a prompt template
)

var (
	hookRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$`)
	envRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	headerRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
)

// validateWebhooks checks the spec's webhooks: unique names, one secret
// source, a known scheme, a secret the scheme can use, a prompt that parses
// and header names that are HTTP tokens.
func validateWebhooks(s claw.Spec) []Problem {
	var ps []Problem
	if len(s.Webhooks) > MaxWebhooks {
		ps = append(ps, problemf("webhooks", "at most %d webhooks, got %d", MaxWebhooks, len(s.Webhooks)))
	}
	seen := map[string]int{}
	for i, h := range s.Webhooks {
		at := func(key string) string { return fmt.Sprintf("webhooks[%d].%s", i, key) }
		switch first, dup := seen[h.Name]; {
		case h.Name == "":
			ps = append(ps, problemf(at("name"), "is required"))
		case !hookRE.MatchString(h.Name):
			ps = append(ps, problemf(at("name"), "must be 1 to 63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit (%s), got %s", hookRE, quoteShort(h.Name)))
		case dup:
			ps = append(ps, problemf(at("name"), "duplicate webhook %q (also webhooks[%d])", h.Name, first))
		default:
			seen[h.Name] = i
		}
		scheme := h.EffectiveScheme()
		schemeOK := scheme == claw.SchemeStandard || scheme == claw.SchemeGitHub
		if !schemeOK {
			ps = append(ps, problemf(at("scheme"), "must be %q or %q, got %s", claw.SchemeStandard, claw.SchemeGitHub, quoteShort(h.Scheme)))
		}
		switch {
		case h.Secret == "" && h.SecretEnv == "":
			ps = append(ps, problemf(at("secret"), "one of secret or secret_env is required"))
		case h.Secret != "" && h.SecretEnv != "":
			ps = append(ps, problemf(at("secret"), "set secret or secret_env, not both"))
		case h.SecretEnv != "" && !envRE.MatchString(h.SecretEnv):
			ps = append(ps, problemf(at("secret_env"), "must be an environment variable name (%s), got %s", envRE, quoteShort(h.SecretEnv)))
		case h.Secret != "" && h.Secret != claw.SecretSet && schemeOK: // SecretSet: the stored one, checked at apply
			if _, err := webhook.ParseSecret(scheme, h.Secret); err != nil {
				ps = append(ps, problemf(at("secret"), "%v", err)) // the secret itself is not echoed
			}
		}
		if len(h.Prompt) > MaxWebhookPrompt {
			ps = append(ps, problemf(at("prompt"), "must be at most 64 KiB, got %d bytes", len(h.Prompt)))
		} else if _, err := webhook.ParsePrompt(h.Prompt); err != nil {
			ps = append(ps, problemf(at("prompt"), "%v", strings.TrimPrefix(err.Error(), "parse prompt: ")))
		}
		if len(h.Headers) > MaxWebhookHeaders {
			ps = append(ps, problemf(at("headers"), "at most %d headers, got %d", MaxWebhookHeaders, len(h.Headers)))
		}
		names := map[string]int{}
		for j, name := range h.Headers {
			path := fmt.Sprintf("webhooks[%d].headers[%d]", i, j)
			first, dup := names[strings.ToLower(name)]
			switch {
			case !headerRE.MatchString(name):
				ps = append(ps, problemf(path, "must be an HTTP header name, got %s", quoteShort(name)))
			case dup:
				ps = append(ps, problemf(path, "duplicate header %q (also headers[%d])", name, first))
			default:
				names[strings.ToLower(name)] = j
			}
		}
		if h.Session != "" && !validSession(h.Session) {
			ps = append(ps, problemf(at("session"), "must be 1-128 printable ASCII characters without spaces, got %s", quoteShort(h.Session)))
		}
	}
	return ps
}

// validSession is the API's rule for session names.
func validSession(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
