// Package fs is the file tool family: read_file, write_file, edit_file and
// list_files. Every call is confined to the claw's workspace (tool.Env's
// Workspace) through an os.Root, so neither ".." nor a symbolic link can
// reach outside it. A bad path or argument is an error the model reads as
// the tool's result.
package fs

import (
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/wsfs"
)

// Limits of the file tools.
const (
	MaxRead      = 64 << 10 // bytes of file content one read_file returns
	DefaultLines = 2000     // lines one read_file returns without a limit
	MaxWrite     = 1 << 20  // bytes write_file and edit_file accept
	MaxList      = 1000     // entries one list_files returns
	MaxScan      = 16 << 20 // bytes of a file read_file looks into
)

// Tools returns the file tools.
func Tools() []tool.Tool {
	return []tool.Tool{ReadFile{}, WriteFile{}, EditFile{}, ListFiles{}}
}

// openRoot opens the workspace of env as a root.
func openRoot(env tool.Env) (*os.Root, error) {
	if env.Workspace == "" {
		return nil, errors.New("this claw has no workspace")
	}
	return os.OpenRoot(env.Workspace)
}

// openWorkspace opens the workspace of env through wsfs, the node's one
// way into it: regular files only, capped reads, atomic writes.
func openWorkspace(env tool.Env) (*wsfs.Root, error) {
	if env.Workspace == "" {
		return nil, errors.New("this claw has no workspace")
	}
	return wsfs.Open(env.Workspace)
}

// relPath turns a path given by the model into one relative to the
// workspace: relative paths are taken as is, absolute ones must lie inside
// the workspace. The root still refuses anything that escapes it.
func relPath(env tool.Env, p string) (string, error) {
	if p == "" {
		return "", errors.New("path is empty")
	}
	if strings.ContainsRune(p, 0) {
		return "", errors.New("path contains a NUL byte")
	}
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(env.Workspace, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return "", fmt.Errorf("path %q is outside the workspace; use a path relative to it", p)
		}
		p = rel
	}
	return filepath.Clean(p), nil
}

// pathError rewrites an os error so that the model sees the path it gave,
// not the node's absolute directories.
func pathError(p string, err error) error {
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return fmt.Errorf("%s: no such file or directory", p)
	case errors.Is(err, iofs.ErrPermission):
		return fmt.Errorf("%s: permission denied", p)
	case errors.Is(err, wsfs.ErrNotRegular):
		return fmt.Errorf("%s: not a regular file", p)
	case errors.Is(err, wsfs.ErrBadPath):
		return fmt.Errorf("%s: %v", p, err)
	case errors.Is(err, wsfs.ErrEscapes) || err != nil && strings.Contains(err.Error(), "escapes"):
		return fmt.Errorf("%s: path escapes the workspace", p)
	}
	return fmt.Errorf("%s: %v", p, err)
}

// decode reads a tool's arguments strictly: unknown fields are errors.
func decode(name string, args json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(args)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: invalid arguments: %v", name, err)
	}
	return nil
}
