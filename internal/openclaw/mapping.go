package openclaw

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// mapConfig sets what reef takes over from the agent entry (falling back
// to agents.defaults) and returns every other setting as unmapped.
func mapConfig(cfg, agent map[string]any, s *claw.Spec) []string {
	agents, _ := cfg["agents"].(map[string]any)
	defaults, _ := agents["defaults"].(map[string]any)
	var unmapped []string
	for _, k := range sortedKeys(cfg) {
		if k != "agents" {
			unmapped = append(unmapped, fmt.Sprintf("%s: not mapped (node-wide OpenClaw setting; configure reef's host config instead)", k))
		}
	}
	used := map[string]bool{}
	take := func(key string) (any, string) {
		if v, ok := agent[key]; ok {
			used["agent."+key] = true
			return v, "agent"
		}
		if v, ok := defaults[key]; ok {
			used["defaults."+key] = true
			return v, "defaults"
		}
		return nil, ""
	}
	switch v, _ := take("model"); m := v.(type) {
	case string:
		s.Model = m
	case map[string]any:
		s.Model, _ = m["primary"].(string)
		if fb, ok := m["fallbacks"]; ok {
			unmapped = append(unmapped, fmt.Sprintf("model.fallbacks %v: not mapped (reef has one model per claw)", fb))
		}
	}
	if v, _ := take("skills"); v != nil {
		list, _ := v.([]any)
		for _, x := range list {
			if name, ok := x.(string); ok {
				s.Skills = append(s.Skills, name)
			}
		}
		if len(list) == 0 {
			unmapped = append(unmapped, "skills: [] (no skills): not mapped; reef allows every skill of skills/ when the list is empty: remove the folders instead")
		}
	}
	if v, _ := take("contextTokens"); v != nil {
		if n, ok := v.(float64); ok && n > 0 {
			s.ContextTokens = int(n)
		}
	}
	if v, _ := take("heartbeat"); v != nil {
		unmapped = append(unmapped, mapHeartbeat(v, s)...)
	}
	take("workspace") // the directory being imported
	take("id")
	for _, k := range sortedKeys(agent) {
		if !used["agent."+k] {
			unmapped = append(unmapped, fmt.Sprintf("agents entry %s: not mapped", k))
		}
	}
	for _, k := range sortedKeys(defaults) {
		if !used["defaults."+k] && agent[k] == nil {
			unmapped = append(unmapped, fmt.Sprintf("agents.defaults.%s: not mapped", k))
		}
	}
	return unmapped
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// listFiles lists the regular files of dir to copy, leaving out version
// control, dependency folders, openclaw.json itself and files too large.
func listFiles(dir string) (files, skipped []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", ".venv", "__pycache__":
				if rel != "." {
					skipped = append(skipped, rel+"/: not copied")
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			skipped = append(skipped, rel+": not copied (not a regular file)")
			return nil
		}
		if rel == "openclaw.json" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case info.Size() > MaxFile:
			skipped = append(skipped, fmt.Sprintf("%s: not copied (%d bytes, over %d)", rel, info.Size(), MaxFile))
		case len(files) >= MaxFiles:
			skipped = append(skipped, rel+": not copied (over "+fmt.Sprint(MaxFiles)+" files)")
		case strings.HasPrefix(rel, ".openclaw/"):
			skipped = append(skipped, rel+": not copied (OpenClaw state)")
		default:
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list workspace: %w", err)
	}
	return files, skipped, nil
}

// mapHeartbeat maps OpenClaw's heartbeat (every, prompt, model) to the
// spec's; "0m" turns it off.
func mapHeartbeat(v any, s *claw.Spec) []string {
	hb, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("heartbeat %v: not mapped (not an object)", v)}
	}
	var unmapped []string
	h := &claw.Heartbeat{}
	for _, k := range sortedKeys(hb) {
		switch val := hb[k]; k {
		case "every":
			str, _ := val.(string)
			d, err := time.ParseDuration(str)
			if err != nil || d < 0 {
				unmapped = append(unmapped, fmt.Sprintf("heartbeat.every %v: not mapped (not a duration)", val))
				continue
			}
			if d == 0 {
				return append(unmapped, "heartbeat.every 0: heartbeat off, not mapped")
			}
			h.Every = claw.Duration(d)
		case "prompt":
			h.Prompt, _ = val.(string)
		case "model":
			h.Model, _ = val.(string)
		default:
			unmapped = append(unmapped, fmt.Sprintf("heartbeat.%s: not mapped", k))
		}
	}
	s.Heartbeat = h
	return unmapped
}
