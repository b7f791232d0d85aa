// Package spec reads and checks documents users write: a claw's spec,
// applied as YAML or JSON, and (through DecodeStrict) the host config. It
// rejects unknown keys with a did-you-mean, values of the wrong kind and
// out-of-range limits, reporting every problem with its line at once. It
// also gives a spec's canonical bytes, used to store versions and detect
// unchanged applies, and a short diff between two versions.
package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/claw"
)

// Bounds a valid spec stays within.
const (
	MaxInstructions = 256 << 10      // bytes of instructions
	MaxSteps        = 1000           // limits.max_steps
	MaxTokens       = 10_000_000     // limits.max_tokens
	MinRunTimeout   = time.Second    // limits.run_timeout, when set
	MaxRunTimeout   = 24 * time.Hour // limits.run_timeout
)

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	toolRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	providerRE = regexp.MustCompile(ProviderNamePattern)
)

// ProviderNamePattern is what a provider name in the host config, the
// prefix of a claw's model, must match.
const ProviderNamePattern = `^[a-z0-9][a-z0-9_-]*$`

// ValidProviderName reports whether name can name a provider in the host
// config, and so be the prefix of a claw's model.
func ValidProviderName(name string) bool { return providerRE.MatchString(name) }

// Parse decodes a YAML or JSON spec strictly and validates it. The error is
// an EUNPROCESSABLE *claw.Error listing every problem with its line; use
// Problems for the list.
func Parse(data []byte) (claw.Spec, error) {
	var s claw.Spec
	lines, err := DecodeStrictLines(data, &s)
	if lines == nil {
		return claw.Spec{}, err
	}
	// With decoding problems, s holds the well-formed values: validate
	// them too, so that one attempt reports every problem.
	ps := Problems(err)
	vs := Unrelated(ps, validate(s, len(ps) > 0))
	if ps = append(ps, lines.Attach(vs)...); len(ps) > 0 {
		return claw.Spec{}, NewError(ps)
	}
	if len(s.Tools) == 0 {
		s.Tools = nil // "tools: []" and no tools are the same spec
	}
	normalizeMCP(&s)
	return s, nil
}

// Validate checks a decoded spec: a valid name, a "provider/model" model,
// tool names, and limits in range. Its error is like Parse's, without lines.
func Validate(s claw.Spec) error {
	return NewError(validate(s, false))
}

// validate checks s. When partial, s lacks the values that failed to
// decode, so missing required values are not reported.
func validate(s claw.Spec, partial bool) []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: path + ": " + fmt.Sprintf(format, args...)})
	}
	switch {
	case s.Name == "":
		if !partial {
			add("name", "is required")
		}
	case !nameRE.MatchString(s.Name):
		add("name", "must be 1 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit (%s), got %s", nameRE, quoteShort(s.Name))
	}
	if s.Model == "" {
		if !partial {
			add("model", "is required, as provider/model (such as \"openai/gpt-4o\")")
		}
	} else if provider, model, ok := strings.Cut(s.Model, "/"); !ok || provider == "" || model == "" {
		add("model", "must be provider/model (such as \"openai/gpt-4o\"), got %s", quoteShort(s.Model))
	} else if !ValidProviderName(provider) {
		add("model", "provider %s must be lowercase letters, digits, '-' or '_' (%s)", quoteShort(provider), ProviderNamePattern)
	} else if strings.ContainsFunc(model, unicode.IsSpace) {
		add("model", "model name %s must not contain spaces", quoteShort(model))
	}
	if len(s.Instructions) > MaxInstructions {
		add("instructions", "must be at most 256 KiB, got %d bytes", len(s.Instructions))
	}
	seen := make(map[string]int, len(s.Tools))
	for i, t := range s.Tools {
		path := fmt.Sprintf("tools[%d]", i)
		switch first, dup := seen[t]; {
		case t == "":
			add(path, "tool name must not be empty")
		case !toolRE.MatchString(t):
			add(path, "tool name must be a lowercase letter then up to 63 lowercase letters, digits or '_' (%s), got %s", toolRE, quoteShort(t))
		case dup:
			add(path, "duplicate tool %q (also tools[%d])", t, first)
		default:
			seen[t] = i
		}
	}
	l := s.Limits
	if l.MaxSteps < 0 || l.MaxSteps > MaxSteps {
		add("limits.max_steps", "must be between 1 and %d, got %d", MaxSteps, l.MaxSteps)
	}
	if l.MaxTokens < 0 || l.MaxTokens > MaxTokens {
		add("limits.max_tokens", "must be between 1 and %d, got %d", MaxTokens, l.MaxTokens)
	}
	if d := l.RunTimeout.Std(); d != 0 && (d < MinRunTimeout || d > MaxRunTimeout) {
		add("limits.run_timeout", "must be between 1s and 24h, got %s", d)
	}
	// Each feature's keys are checked in a file of their own.
	ps = append(ps, validateWorkspace(s)...)
	ps = append(ps, validatePolicy(s)...)
	ps = append(ps, validateSchedules(s)...)
	ps = append(ps, validateWebhooks(s)...)
	ps = append(ps, validateMCP(s)...)
	ps = append(ps, validateContext(s)...)
	ps = append(ps, validateSandbox(s)...)
	return ps
}

// problemf makes one Problem at path.
func problemf(path, format string, args ...any) Problem {
	return Problem{Path: path, Message: path + ": " + fmt.Sprintf(format, args...)}
}

// validateWorkspace checks the spec's workspace directory's shape; where
// it may lie is the node's decision (package wsplace), at apply.
func validateWorkspace(s claw.Spec) []Problem {
	switch {
	case s.Workspace == "":
		return nil
	case !filepath.IsAbs(s.Workspace):
		return []Problem{problemf("workspace", "must be an absolute path, got %s", quoteShort(s.Workspace))}
	case filepath.Clean(s.Workspace) == "/":
		return []Problem{problemf("workspace", "must not be the root directory")}
	case filepath.Clean(s.Workspace) != s.Workspace:
		return []Problem{problemf("workspace", "must be a clean path (%s), got %s", quoteShort(filepath.Clean(s.Workspace)), quoteShort(s.Workspace))}
	}
	return nil
}

// quoteShort quotes s for a message, cut to 64 characters.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// Canonical returns the spec's canonical JSON: the same spec always gives
// the same bytes, so stored versions compare byte for byte and an apply
// that changes nothing is detected. Unset optional fields are left out.
// Canonical does not validate.
func Canonical(s claw.Spec) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
