package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"

	"github.com/reefhq/reef/internal/wsfs"
	"gopkg.in/yaml.v3"
)

// SkillsDir is the directory of a workspace that holds Agent Skills, one
// folder per skill with a SKILL.md inside.
const SkillsDir = "skills"

// Agent Skills limits (agentskills.io): a name of lowercase letters,
// digits and hyphens; a description of at most 1024 characters.
const (
	MaxSkillDescription = 1024
	maxSkillFile        = 256 << 10
)

var skillNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

// Skill is an Agent Skill found in a workspace.
type Skill struct {
	Name        string
	Description string
	Path        string // of its SKILL.md, slash-separated, relative to the workspace
}

// ParseSkill reads a SKILL.md: YAML front matter between "---" lines with
// a name and a description, then the instructions (returned as body).
func ParseSkill(data []byte) (s Skill, body string, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	rest, ok := bytes.CutPrefix(data, []byte("---\n"))
	if !ok {
		return Skill{}, "", errors.New("SKILL.md must start with YAML front matter between --- lines")
	}
	front, after, ok := bytes.Cut(rest, []byte("\n---"))
	if !ok {
		return Skill{}, "", errors.New("SKILL.md front matter has no closing --- line")
	}
	if len(after) > 0 && after[0] != '\n' {
		return Skill{}, "", errors.New("SKILL.md front matter must end with a line of ---")
	}
	var meta struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	}
	if err := yaml.Unmarshal(front, &meta); err != nil {
		return Skill{}, "", fmt.Errorf("SKILL.md front matter: %w", err)
	}
	switch {
	case !skillNameRE.MatchString(meta.Name):
		return Skill{}, "", fmt.Errorf("skill name %q must be 1 to 64 lowercase letters, digits or hyphens", meta.Name)
	case meta.Description == "":
		return Skill{}, "", fmt.Errorf("skill %s has no description", meta.Name)
	case len([]rune(meta.Description)) > MaxSkillDescription:
		return Skill{}, "", fmt.Errorf("skill %s: description is longer than %d characters", meta.Name, MaxSkillDescription)
	}
	return Skill{Name: meta.Name, Description: meta.Description}, string(bytes.TrimLeft(after, "\n")), nil
}

// maxSkillDirs bounds the folders of skills/ that are looked at.
const maxSkillDirs = 1000

// Skills lists the workspace's skills allowed by allow (nil allows all),
// ordered by name. A skill folder whose SKILL.md is invalid is reported in
// problems and left out; so is a name listed twice, and a SKILL.md that is
// a link out of the workspace or not a regular file (read through wsfs).
func Skills(dir string, allow []string) (skills []Skill, problems []error, err error) {
	if dir == "" {
		return nil, nil, nil
	}
	root, err := wsfs.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open workspace: %w", err)
	}
	defer root.Close()
	return skills0(root, allow)
}

func skills0(root *wsfs.Root, allow []string) (skills []Skill, problems []error, err error) {
	entries, err := root.ReadDir(SkillsDir, maxSkillDirs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case wsfs.Refused(err):
		return nil, []error{fmt.Errorf("%s was left out: %s", SkillsDir, wsfs.Reason(err))}, nil
	case err != nil:
		return nil, nil, fmt.Errorf("read skills: %w", err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rel := path.Join(SkillsDir, e.Name(), "SKILL.md")
		s, _, perr := readSkill(root, rel)
		if errors.Is(perr, fs.ErrNotExist) {
			continue
		}
		if perr != nil {
			problems = append(problems, fmt.Errorf("%s: %w", rel, perr))
			continue
		}
		if allow != nil && !slices.Contains(allow, s.Name) {
			continue
		}
		if seen[s.Name] {
			problems = append(problems, fmt.Errorf("skill %s is defined twice", s.Name))
			continue
		}
		seen[s.Name] = true
		skills = append(skills, s)
	}
	sort.Slice(skills, func(i, j int) bool { return skills[i].Name < skills[j].Name })
	return skills, problems, nil
}

// LoadSkill returns a skill's SKILL.md instructions by name.
func LoadSkill(dir string, allow []string, name string) (Skill, string, error) {
	root, err := wsfs.Open(dir)
	if err != nil {
		return Skill{}, "", fmt.Errorf("open workspace: %w", err)
	}
	defer root.Close()
	skills, _, err := skills0(root, allow)
	if err != nil {
		return Skill{}, "", err
	}
	for _, s := range skills {
		if s.Name == name {
			_, body, err := readSkill(root, s.Path)
			return s, body, err
		}
	}
	names := make([]string, len(skills))
	for i, s := range skills {
		names[i] = s.Name
	}
	return Skill{}, "", fmt.Errorf("no skill %q (available: %v)", name, names)
}

// readSkill reads and parses the SKILL.md at rel (slash-separated,
// relative to the workspace), which becomes the skill's Path.
func readSkill(root *wsfs.Root, rel string) (Skill, string, error) {
	b, size, err := root.ReadFile(rel, maxSkillFile)
	if wsfs.Refused(err) {
		return Skill{}, "", errors.New(wsfs.Reason(err))
	}
	if err != nil {
		return Skill{}, "", err
	}
	if size > maxSkillFile {
		return Skill{}, "", fmt.Errorf("larger than %d bytes", maxSkillFile)
	}
	s, body, err := ParseSkill(b)
	s.Path = rel
	return s, body, err
}
