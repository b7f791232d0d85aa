package spec

import (
	"fmt"
	"regexp"

	"github.com/reefhq/reef/internal/claw"
)

// Bounds of the context keys.
const (
	MinContextTokens = 1_000
	MaxContextTokens = 10_000_000
	MaxSkills        = 256
)

var skillRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

// validateContext checks context_tokens and skills.
func validateContext(s claw.Spec) []Problem {
	var ps []Problem
	if n := s.ContextTokens; n != 0 && (n < MinContextTokens || n > MaxContextTokens) {
		ps = append(ps, problemf("context_tokens", "must be between %d and %d, got %d", MinContextTokens, MaxContextTokens, n))
	}
	if len(s.Skills) > MaxSkills {
		ps = append(ps, problemf("skills", "must list at most %d skills, got %d", MaxSkills, len(s.Skills)))
	}
	seen := map[string]int{}
	for i, name := range s.Skills {
		path := fmt.Sprintf("skills[%d]", i)
		if first, dup := seen[name]; dup {
			ps = append(ps, problemf(path, "duplicate skill %q (also skills[%d])", name, first))
			continue
		}
		seen[name] = i
		if !skillRE.MatchString(name) {
			ps = append(ps, problemf(path, "skill name must be 1 to 64 lowercase letters, digits or hyphens, got %s", quoteShort(name)))
		}
	}
	return ps
}
