package wsfs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Bounds on a path the node writes into a workspace.
const (
	MaxPathBytes = 1024 // the whole slash-separated path
	MaxPathDepth = 64   // its components
	MaxNameBytes = 255  // one component (NAME_MAX)
	tempPrefix   = ".reef-upload-"
	mkdirMode    = 0o700
)

// CheckPath reports whether name is a path the node may write beneath a
// workspace: relative, slash-separated and clean (no "..", ".", empty or
// absolute parts, no backslash, no NUL), at most MaxPathBytes long, with
// at most MaxPathDepth components of at most MaxNameBytes each. The error
// wraps ErrBadPath and says which rule the name breaks.
func CheckPath(name string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadPath, fmt.Sprintf(format, args...))
	}
	switch {
	case name == "" || name == ".":
		return bad("the path is empty")
	case len(name) > MaxPathBytes:
		return bad("the path is %d bytes long; at most %d are allowed", len(name), MaxPathBytes)
	case strings.ContainsAny(name, "\x00\\"):
		return bad("the path contains a NUL byte or a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("the path must be relative to the workspace")
	case path.Clean(name) != name:
		return bad("the path must be clean (no empty, \".\" or \"..\" parts, no trailing slash)")
	case name == ".." || strings.HasPrefix(name, "../"):
		return bad("the path leads out of the workspace")
	}
	parts := strings.Split(name, "/")
	if len(parts) > MaxPathDepth {
		return bad("the path has %d parts; at most %d are allowed", len(parts), MaxPathDepth)
	}
	for _, p := range parts {
		if len(p) > MaxNameBytes {
			return bad("a part of the path is %d bytes long; at most %d are allowed", len(p), MaxNameBytes)
		}
	}
	return nil
}

// WriteFile writes data to name beneath the workspace with mode perm,
// atomically: into a
// temporary file in the same directory, then renamed over name, so a
// reader sees the old file or the new one. A link at name is never
// written through: one that leads out of the workspace is refused
// (ErrEscapes), one inside is replaced by the file. Missing parent directories are made (mode 0700);
// parents may be links that stay inside the workspace. The name is checked
// with CheckPath first; on any failure the directories this call made are
// removed again, so a refused write leaves nothing behind.
func (r *Root) WriteFile(name string, data []byte, perm fs.FileMode) (err error) {
	if err := CheckPath(name); err != nil {
		return err
	}
	if fi, err := r.r.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if _, err := r.r.Stat(name); errors.Is(classify(name, err), ErrEscapes) {
			return &fs.PathError{Op: "write", Path: name, Err: ErrEscapes}
		}
	}
	dir := path.Dir(name)
	made, err := r.mkdirs(dir)
	defer func() {
		if err != nil {
			for i := len(made) - 1; i >= 0; i-- {
				r.r.Remove(made[i])
			}
		}
	}()
	if err != nil {
		return err
	}
	var b [8]byte
	rand.Read(b[:])
	tmp := path.Join(dir, tempPrefix+hex.EncodeToString(b[:]))
	f, err := r.r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm.Perm())
	if err != nil {
		return classify(name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm.Perm()) // whatever the umask
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.r.Rename(tmp, name)
	}
	if err != nil {
		r.r.Remove(tmp)
		return classify(name, err)
	}
	return nil
}

// mkdirs makes the directory dir and its missing parents beneath the
// root, returning the ones it made, outermost first.
func (r *Root) mkdirs(dir string) (made []string, err error) {
	if dir == "." {
		return nil, nil
	}
	parts := strings.Split(dir, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		err := r.r.Mkdir(p, mkdirMode)
		switch {
		case err == nil:
			made = append(made, p)
			continue
		case !errors.Is(err, fs.ErrExist):
			return made, classify(p, err)
		}
		// It exists: it must be a directory (or a link to one inside).
		fi, serr := r.r.Stat(p)
		if serr != nil {
			return made, classify(p, serr)
		}
		if !fi.IsDir() {
			return made, &fs.PathError{Op: "mkdir", Path: p, Err: ErrNotRegular}
		}
	}
	return made, nil
}
