// Package openclaw turns an OpenClaw agent workspace, and the matching
// agent entry of an openclaw.json where one is found, into a reef claw:
// a spec, the files to copy into the claw's workspace, and the list of
// settings reef does not map (`reef import openclaw`).
package openclaw

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/reefhq/reef/internal/claw"
)

// Copy limits: a file larger than MaxFile is left out (and listed), and
// so is everything past MaxFiles files.
const (
	MaxFile  = 1 << 20
	MaxFiles = 2000
)

// Options say what to import.
type Options struct {
	Dir    string // the OpenClaw workspace
	Config string // openclaw.json; "" looks in Dir and its parent
	Name   string // the claw's name; default the agent's id, else Dir's name
	Model  string // provider/model; default the agent's (or defaults') model
}

// Import is what an OpenClaw workspace becomes.
type Import struct {
	Spec     claw.Spec
	Files    []string // relative, slash-separated, to copy into the workspace
	Config   string   // the openclaw.json read, if any
	Agent    string   // the id of the agent entry used, if any
	Unmapped []string // settings and files reef does not take over, with why
}

// Read reads an OpenClaw workspace and its config.
func Read(opts Options) (Import, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return Import{}, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Import{}, fmt.Errorf("%s is not a directory", opts.Dir)
	}
	var imp Import
	cfg, path, err := readConfig(dir, opts.Config)
	if err != nil {
		return Import{}, err
	}
	imp.Config = path
	var agent map[string]any
	if cfg != nil {
		agent, imp.Agent = match(cfg, dir, opts.Name)
		imp.Unmapped = append(imp.Unmapped, mapConfig(cfg, agent, &imp.Spec)...)
	}
	imp.Spec.Name = firstOf(opts.Name, sanitize(imp.Agent), sanitize(filepath.Base(dir)))
	if opts.Model != "" {
		imp.Spec.Model = opts.Model
	}
	if imp.Spec.Model == "" {
		return Import{}, errors.New("no model: the workspace's config names none; pass --model PROVIDER/MODEL")
	}
	files, skipped, err := listFiles(dir)
	if err != nil {
		return Import{}, err
	}
	imp.Files, imp.Unmapped = files, append(imp.Unmapped, skipped...)
	if _, err := os.Stat(filepath.Join(dir, "BOOTSTRAP.md")); err == nil {
		imp.Unmapped = append(imp.Unmapped, "BOOTSTRAP.md: copied, but reef does not run OpenClaw's first-run ritual (not loaded into the context)")
	}
	return imp, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

var nameRE = regexp.MustCompile(`[^a-z0-9-]+`)

// sanitize makes s a valid claw name, or "".
func sanitize(s string) string {
	s = strings.Trim(nameRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 63 {
		s = strings.Trim(s[:63], "-")
	}
	return s
}

// readConfig reads openclaw.json from path, or from dir or its parent.
func readConfig(dir, path string) (map[string]any, string, error) {
	candidates := []string{path}
	if path == "" {
		candidates = []string{filepath.Join(dir, "openclaw.json"), filepath.Join(filepath.Dir(dir), "openclaw.json")}
	}
	for _, p := range candidates {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) && path == "" {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read config: %w", err)
		}
		js, err := ToJSON(b)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", p, err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(js, &cfg); err != nil {
			return nil, "", fmt.Errorf("%s: %w", p, err)
		}
		return cfg, p, nil
	}
	return nil, "", nil
}

// match finds the agent entry for dir: one whose workspace is dir, else
// one whose id is name, else the only (or the default) entry when dir is
// the default workspace.
func match(cfg map[string]any, dir, name string) (map[string]any, string) {
	agents, _ := cfg["agents"].(map[string]any)
	entries := map[string]map[string]any{}
	var order []string
	if list, ok := agents["list"].([]any); ok {
		for _, v := range list {
			if e, ok := v.(map[string]any); ok {
				id, _ := e["id"].(string)
				entries[id] = e
				order = append(order, id)
			}
		}
	}
	if m, ok := agents["entries"].(map[string]any); ok {
		for id, v := range m {
			if e, ok := v.(map[string]any); ok {
				entries[id] = e
				order = append(order, id)
			}
		}
	}
	sort.Strings(order)
	for _, id := range order {
		if ws, _ := entries[id]["workspace"].(string); ws != "" && samePath(ws, dir) {
			return entries[id], id
		}
	}
	if e, ok := entries[name]; ok && name != "" {
		return e, name
	}
	defaults, _ := agents["defaults"].(map[string]any)
	ws, _ := defaults["workspace"].(string)
	if ws == "" || samePath(ws, dir) {
		if len(order) == 1 {
			return entries[order[0]], order[0]
		}
		for _, id := range order {
			if d, _ := entries[id]["default"].(bool); d {
				return entries[id], id
			}
		}
	}
	return nil, ""
}

func samePath(p, dir string) bool {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		p = filepath.Join(home, rest)
	}
	abs, err := filepath.Abs(p)
	return err == nil && filepath.Clean(abs) == filepath.Clean(dir)
}
