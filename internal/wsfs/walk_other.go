//go:build !unix

package wsfs

import "errors"

// Usage is not available on this platform.
func Usage(dir string) (int64, error) { return 0, errors.ErrUnsupported }

// Chown is not available on this platform.
func Chown(dir string, uid, gid int) error { return errors.ErrUnsupported }
