package fs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/reefhq/reef/internal/tool"
)

// WriteFile creates or replaces a file, making its parent directories.
type WriteFile struct{}

var _ tool.Tool = WriteFile{}

// Name is "write_file".
func (WriteFile) Name() string { return "write_file" }

// Description tells the model what write_file does.
func (WriteFile) Description() string {
	return "Writes content to a file in the workspace, replacing it if it exists and creating missing parent directories."
}

// Schema: path, content.
func (WriteFile) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File path relative to the workspace."},` +
		`"content":{"type":"string","description":"The whole new content of the file."}},` +
		`"required":["path","content"],"additionalProperties":false}`)
}

// Idempotent is true: writing the same content twice leaves the same file.
func (WriteFile) Idempotent() bool { return true }

// Call writes the file.
func (WriteFile) Call(_ context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Path    string  `json:"path"`
		Content *string `json:"content"`
	}
	if err := decode("write_file", args, &a); err != nil {
		return "", err
	}
	if a.Content == nil {
		return "", fmt.Errorf("write_file: missing required argument \"content\"")
	}
	if len(*a.Content) > MaxWrite {
		return "", fmt.Errorf("write_file: content is %d bytes, over the %d-byte limit", len(*a.Content), MaxWrite)
	}
	p, err := relPath(env, a.Path)
	if err != nil {
		return "", err
	}
	root, err := openWorkspace(env)
	if err != nil {
		return "", err
	}
	defer root.Close()
	if err := root.WriteFile(filepath.ToSlash(p), []byte(*a.Content), 0o644); err != nil {
		return "", pathError(a.Path, err)
	}
	return fmt.Sprintf("wrote %d bytes to %s", len(*a.Content), a.Path), nil
}

// EditFile replaces an exact string in a file.
type EditFile struct{}

var _ tool.Tool = EditFile{}

// Name is "edit_file".
func (EditFile) Name() string { return "edit_file" }

// Description tells the model what edit_file does.
func (EditFile) Description() string {
	return "Replaces old_string with new_string in a file in the workspace. old_string must match exactly (whitespace included) and, unless replace_all is true, exactly once."
}

// Schema: path, old_string, new_string, replace_all.
func (EditFile) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File path relative to the workspace."},` +
		`"old_string":{"type":"string","minLength":1,"description":"The exact text to replace."},` +
		`"new_string":{"type":"string","description":"The text to put in its place."},` +
		`"replace_all":{"type":"boolean","description":"Replace every occurrence instead of requiring exactly one (default false)."}},` +
		`"required":["path","old_string","new_string"],"additionalProperties":false}`)
}

// Idempotent is false: after a crash the model is told the edit may or
// may not have happened (a repeat would fail to find old_string, or with
// replace_all could edit text the first call produced).
func (EditFile) Idempotent() bool { return false }

// Call edits the file.
func (EditFile) Call(_ context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Path       string  `json:"path"`
		Old        string  `json:"old_string"`
		New        *string `json:"new_string"`
		ReplaceAll bool    `json:"replace_all"`
	}
	if err := decode("edit_file", args, &a); err != nil {
		return "", err
	}
	if a.Old == "" {
		return "", fmt.Errorf("edit_file: old_string is empty")
	}
	if a.New == nil {
		return "", fmt.Errorf("edit_file: missing required argument \"new_string\"")
	}
	p, err := relPath(env, a.Path)
	if err != nil {
		return "", err
	}
	root, err := openWorkspace(env)
	if err != nil {
		return "", err
	}
	defer root.Close()
	data, size, err := root.ReadFile(p, MaxWrite+1)
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if size > MaxWrite {
		return "", fmt.Errorf("edit_file: %s is %d bytes, over the %d-byte limit", a.Path, size, MaxWrite)
	}
	text := string(data)
	n := strings.Count(text, a.Old)
	switch {
	case n == 0:
		return "", fmt.Errorf("edit_file: old_string not found in %s", a.Path)
	case n > 1 && !a.ReplaceAll:
		return "", fmt.Errorf("edit_file: old_string occurs %d times in %s; add surrounding text to make it unique, or set replace_all", n, a.Path)
	}
	if !a.ReplaceAll {
		n = 1
	}
	out := strings.Replace(text, a.Old, *a.New, n)
	if len(out) > MaxWrite {
		return "", fmt.Errorf("edit_file: the result would be %d bytes, over the %d-byte limit", len(out), MaxWrite)
	}
	info, err := root.Stat(p)
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if err := root.WriteFile(filepath.ToSlash(p), []byte(out), info.Mode().Perm()); err != nil {
		return "", pathError(a.Path, err)
	}
	return fmt.Sprintf("replaced %d occurrence(s) in %s", n, a.Path), nil
}
