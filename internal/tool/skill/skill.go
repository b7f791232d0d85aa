// Package skill gives a claw the "skill" tool when its workspace holds
// Agent Skills (skills/NAME/SKILL.md) that its spec allows: the context
// lists only their names and descriptions, and the tool loads one skill's
// instructions on demand.
package skill

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/workspace"
)

// Source offers the skill tool to claws with skills.
type Source struct {
	// Dir returns a claw's workspace directory ("" when it has none), or
	// why the node does not allow it.
	Dir func(c claw.Claw) (string, error)
}

var _ tool.Source = Source{}

// Tools returns the skill tool when c's workspace has an allowed skill.
// A workspace the node does not allow is an error: nothing reads it.
func (s Source) Tools(_ context.Context, c claw.Claw) ([]tool.Tool, error) {
	dir, err := s.Dir(c)
	if err != nil {
		return nil, err
	}
	skills, _, err := workspace.Skills(dir, c.Spec.Skills)
	if err != nil || len(skills) == 0 {
		return nil, nil // the run goes on without skills; the context logs why
	}
	return []tool.Tool{Tool{dir: dir}}, nil
}

// Tool loads a skill's instructions.
type Tool struct{ dir string }

// Name is "skill".
func (Tool) Name() string { return "skill" }

// Description tells the model when to load a skill.
func (Tool) Description() string {
	return "Load the full instructions of one of your skills (listed in your context by name and description) before following it."
}

// Schema requires the skill's name.
func (Tool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"name":{"type":"string","description":"The skill's name."}},"required":["name"],"additionalProperties":false}`)
}

// Idempotent is true: loading reads a file.
func (Tool) Idempotent() bool { return true }

// Call returns the skill's SKILL.md instructions; files it mentions are
// relative to its folder, named in the result.
func (t Tool) Call(_ context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(args, &a); err != nil || a.Name == "" {
		return "", fmt.Errorf("skill: arguments must be {\"name\": SKILL}")
	}
	s, body, err := workspace.LoadSkill(t.dir, env.Claw.Spec.Skills, a.Name)
	if err != nil {
		return "", fmt.Errorf("skill: %w", err)
	}
	return fmt.Sprintf("# Skill %s (folder %s of your workspace)\n\n%s", s.Name, path.Dir(s.Path), body), nil
}
