package fs

import (
	"context"
	"encoding/json"
	"fmt"
	iofs "io/fs"
	"path"
	"strings"

	"github.com/reefhq/reef/internal/tool"
)

// ListFiles lists a directory of the workspace.
type ListFiles struct{}

var _ tool.Tool = ListFiles{}

// Name is "list_files".
func (ListFiles) Name() string { return "list_files" }

// Description tells the model what list_files does.
func (ListFiles) Description() string {
	return fmt.Sprintf("Lists a directory of the workspace: one entry per line, directories ending in /, files with their size in bytes, symbolic links ending in @. At most %d entries.", MaxList)
}

// Schema: path, recursive.
func (ListFiles) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"Directory relative to the workspace (default: the workspace itself)."},` +
		`"recursive":{"type":"boolean","description":"Also list the contents of subdirectories (default false)."}},` +
		`"additionalProperties":false}`)
}

// Idempotent is true: listing changes nothing.
func (ListFiles) Idempotent() bool { return true }

// Call lists the directory.
func (ListFiles) Call(_ context.Context, env tool.Env, args json.RawMessage) (string, error) {
	var a struct {
		Path      string `json:"path"`
		Recursive bool   `json:"recursive"`
	}
	if err := decode("list_files", args, &a); err != nil {
		return "", err
	}
	if a.Path == "" {
		a.Path = "."
	}
	p, err := relPath(env, a.Path)
	if err != nil {
		return "", err
	}
	root, err := openRoot(env)
	if err != nil {
		return "", err
	}
	defer root.Close()
	info, err := root.Stat(p)
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("%s is not a directory", a.Path)
	}
	fsys := root.FS()
	var b strings.Builder
	n, more := 0, false
	err = iofs.WalkDir(fsys, p, func(name string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == p {
			return nil
		}
		if n == MaxList {
			more = true
			return iofs.SkipAll
		}
		n++
		rel := strings.TrimPrefix(name, p+"/")
		if p == "." {
			rel = name
		}
		switch {
		case d.IsDir():
			fmt.Fprintf(&b, "%s/\n", rel)
			if !a.Recursive {
				return iofs.SkipDir
			}
		case d.Type()&iofs.ModeSymlink != 0:
			fmt.Fprintf(&b, "%s@\n", rel)
		default:
			size := int64(0)
			if fi, err := d.Info(); err == nil {
				size = fi.Size()
			}
			fmt.Fprintf(&b, "%s\t%d\n", rel, size)
		}
		return nil
	})
	if err != nil {
		return "", pathError(a.Path, err)
	}
	if n == 0 {
		return fmt.Sprintf("(%s is empty)", path.Clean(a.Path)), nil
	}
	if more {
		fmt.Fprintf(&b, "[stopped after %d entries; list a subdirectory to see more]", MaxList)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
