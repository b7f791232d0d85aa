// Package wsfs is the node's one way into a claw's workspace. Everything
// a claw's tools can write there (files, symbolic links, FIFOs, devices,
// deep trees, huge files) is hostile input to the node, which runs with
// more privilege than any tool, so the node reads and writes workspace
// files only through this package:
//
//   - paths resolve beneath the workspace (an os.Root): neither ".." nor a
//     symbolic link can lead out of it, though links inside it work;
//   - only regular files are read, opened without blocking (a FIFO, a
//     device or a socket is refused, not waited on), and the file is
//     checked and read from the one descriptor opened (no stat-then-open);
//   - reads stop at a cap the caller gives;
//   - writes are atomic (a temporary file renamed over the name), never
//     through a link, with bounds on a path's depth and length checked
//     before anything is created;
//   - walks (Usage, Chown) are iterative, hold two descriptors at most
//     whatever the depth, never follow a link and never leave the
//     workspace's file system.
package wsfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Errors of this package, wrapped in the errors it returns.
var (
	// ErrNotRegular is returned for a name that is not a regular file
	// (a FIFO, a socket, a device; a directory where a file is wanted).
	ErrNotRegular = errors.New("not a regular file")
	// ErrEscapes is returned for a name that leads out of the workspace,
	// by ".." or by a symbolic link.
	ErrEscapes = errors.New("path leads out of the workspace")
	// ErrBadPath is returned for a name that is not a clean relative path
	// within the bounds of CheckPath.
	ErrBadPath = errors.New("invalid workspace path")
	// ErrChanged is returned when a walk finds the tree changed under it
	// in a way it cannot follow safely (a directory moved mid-walk).
	ErrChanged = errors.New("workspace changed during the walk")
)

// Root is an open workspace directory. It is safe for concurrent use.
type Root struct {
	r   *os.Root
	dir string
}

// Open opens the workspace directory dir. A missing dir is an error
// wrapping fs.ErrNotExist.
func Open(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{r: r, dir: dir}, nil
}

// Dir is the workspace directory the root was opened at.
func (r *Root) Dir() string { return r.dir }

// Close closes the root.
func (r *Root) Close() error { return r.r.Close() }

// ReadFile reads the regular file name (slash-separated, relative to the
// workspace): at most max bytes of it, and its whole size. A name that
// leads out of the workspace wraps ErrEscapes; one that is not a regular
// file wraps ErrNotRegular; a missing one wraps fs.ErrNotExist.
func (r *Root) ReadFile(name string, max int64) (data []byte, size int64, err error) {
	f, err := r.r.OpenFile(name, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, 0, classify(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, &fs.PathError{Op: "read", Path: name, Err: ErrNotRegular}
	}
	data, err = io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		return nil, 0, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, fi.Size(), nil
}

// ReadDir lists the directory name (relative to the workspace; "." is
// the workspace itself), at most max entries, sorted by name. A name that
// is not a directory wraps ErrNotRegular; one that leads out of the
// workspace wraps ErrEscapes.
func (r *Root) ReadDir(name string, max int) ([]fs.DirEntry, error) {
	f, err := r.r.OpenFile(name, os.O_RDONLY|openNoBlock|openDirectory, 0)
	if err != nil {
		return nil, classify(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrNotRegular}
	}
	entries, err := f.ReadDir(max)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// Stat describes name beneath the workspace, following links that stay
// inside it.
func (r *Root) Stat(name string) (fs.FileInfo, error) {
	fi, err := r.r.Stat(name)
	if err != nil {
		return nil, classify(name, err)
	}
	return fi, nil
}

// ReadFile opens the workspace dir and reads one file of it; see
// Root.ReadFile.
func ReadFile(dir, name string, max int64) ([]byte, int64, error) {
	r, err := Open(dir)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	return r.ReadFile(name, max)
}

// classify turns what os.Root answers for a name that leads out of the
// workspace, or through a non-directory, into this package's errors.
func classify(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil {
		switch {
		case pe.Err.Error() == "path escapes from parent":
			return &fs.PathError{Op: pe.Op, Path: name, Err: ErrEscapes}
		case errors.Is(pe.Err, errNotDir):
			return &fs.PathError{Op: pe.Op, Path: name, Err: ErrNotRegular}
		}
	}
	return err
}

// Refused reports whether err is one of this package's refusals (a link
// out, a non-regular file, a bad path) rather than a missing file or an
// I/O error: the claw put something there the node will not read.
func Refused(err error) bool {
	return errors.Is(err, ErrEscapes) || errors.Is(err, ErrNotRegular) || errors.Is(err, ErrBadPath)
}

// Reason says in a few words why the node refused a workspace file, for
// the claw to read.
func Reason(err error) string {
	switch {
	case errors.Is(err, ErrEscapes):
		return "it is a symbolic link (or a path) that leads out of the workspace"
	case errors.Is(err, ErrNotRegular):
		return "it is not a regular file (a FIFO, socket, device or directory)"
	case errors.Is(err, ErrBadPath):
		return "its path is not a valid workspace path"
	}
	return fmt.Sprint(err)
}
