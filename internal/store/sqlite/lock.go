package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked means another process holds the database's node lock.
var ErrLocked = errors.New("database is in use by another reef node")

// lockFile takes an exclusive advisory lock on path+".lock", so that two
// nodes never serve one database: both would run the same claws. The
// kernel releases it when the process dies, even by kill -9.
func lockFile(path string) (release func() error, err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f.Close, nil
}
