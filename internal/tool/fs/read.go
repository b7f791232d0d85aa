package fs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/reefhq/reef/internal/tool"
)

// ReadFile returns a file's text, a window of lines at a time.
type ReadFile struct{}

var _ tool.Tool = ReadFile{}

// Name is "read_file".
func (ReadFile) Name() string { return "read_file" }

// Description tells the model what read_file does.
func (ReadFile) Description() string {
	return fmt.Sprintf("Reads a text file in the workspace. Returns up to %d lines (or %d KiB) starting at line offset; a note at the end says how to read on when the file is longer.", DefaultLines, MaxRead>>10)
}

// Schema: path, offset, limit.
func (ReadFile) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File path relative to the workspace."},` +
		`"offset":{"type":"integer","minimum":1,"description":"First line to return (1-based, default 1)."},` +
		`"limit":{"type":"integer","minimum":1,"description":"Most lines to return (default 2000)."}},` +
		`"required":["path"],"additionalProperties":false}`)
}

// Idempotent is true: reading changes nothing.
func (ReadFile) Idempotent() bool { return true }

// Call reads the file.
func (ReadFile) Call(_ context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Path   string `json:"path"`
		Offset int    `json:"offset"`
		Limit  int    `json:"limit"`
	}
	if err := decode("read_file", args, &a); err != nil {
		return "", err
	}
	if a.Offset < 0 || a.Limit < 0 {
		return "", fmt.Errorf("read_file: offset and limit must be positive")
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
	info, err := root.Stat(p)
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if info.IsDir() {
		return "", fmt.Errorf("%s is a directory; use list_files", a.Path)
	}
	data, size, err := root.ReadFile(p, MaxScan)
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if size > MaxScan {
		return "", fmt.Errorf("%s is %d bytes; read_file reads files of at most %d bytes (use the shell to look into it)", a.Path, size, MaxScan)
	}
	if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
		return "", fmt.Errorf("%s is a binary file (%d bytes); read_file reads text", a.Path, len(data))
	}
	return window(string(data), max(a.Offset, 1), a.Limit), nil
}

// window returns lines [offset, offset+limit) of text, capped at MaxRead
// bytes, with a note when more remains.
func window(text string, offset, limit int) string {
	if limit == 0 {
		limit = DefaultLines
	}
	if text == "" {
		return "(empty file)"
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	total := len(lines)
	if offset > total {
		return fmt.Sprintf("(offset %d is past the end: the file has %d lines)", offset, total)
	}
	var b strings.Builder
	last := offset - 1
	for i := offset - 1; i < total && i < offset-1+limit; i++ {
		if b.Len()+len(lines[i]) > MaxRead {
			if b.Len() == 0 { // one huge line: return its start
				b.WriteString(lines[i][:MaxRead])
				last = i + 1
				fmt.Fprintf(&b, "\n[line %d is longer than %d bytes; cut]", i+1, MaxRead)
			}
			break
		}
		b.WriteString(lines[i])
		last = i + 1
	}
	if last < total {
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[showing lines %d-%d of %d; call read_file with offset %d to read on]", offset, last, total, last+1)
	}
	return b.String()
}
