// Package diskguard keeps the node's disk reserve: it compares the free
// space of the volume holding the data directory (the SQLite database,
// the workspaces) with the reserve of the host config, so that the node
// refuses new events and new tool processes before the volume is full
// instead of failing the writes of what it already accepted.
package diskguard

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrReserve is wrapped by Check's error when the free space is under the
// reserve.
var ErrReserve = errors.New("disk reserve reached")

// DefaultMaxAge is how long a Guard trusts its last measure.
const DefaultMaxAge = time.Second

// Space is the size of a volume and what of it is free to the node.
type Space struct {
	Free, Total uint64
}

// StatFunc measures the volume holding dir.
type StatFunc func(dir string) (Space, error)

// Statfs measures the volume holding dir with statfs(2): the blocks free
// to unprivileged users (f_bavail) and the volume's blocks.
func Statfs(dir string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return Space{}, fmt.Errorf("statfs %s: %w", dir, err)
	}
	bs := uint64(st.Bsize)
	return Space{Free: st.Bavail * bs, Total: st.Blocks * bs}, nil
}

// Guard answers whether the data volume still has its reserve free. The
// measure is cached for MaxAge and refreshed by whichever caller finds it
// stale, so a busy node makes at most one statfs per MaxAge. It is safe
// for concurrent use; a nil *Guard never refuses.
type Guard struct {
	Dir     string  // the data directory
	Reserve Reserve // what must stay free
	// Stat measures the volume; nil is Statfs. Tests inject a full one.
	Stat StatFunc
	// MaxAge bounds the age of the cached measure; 0 is DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu    sync.Mutex
	at    time.Time // when last measured; zero: never
	space Space
	err   error // the last measure's error
}

// Check returns nil when the free space is at or above the reserve, and
// otherwise an error wrapping ErrReserve that says how much is free. A
// failed measure is returned as an error too: the node cannot tell.
func (g *Guard) Check() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.at.IsZero() || g.now().Sub(g.at) >= g.maxAge() {
		g.measure()
	}
	return g.verdict()
}

// Refresh measures again now, whatever the cache's age, and returns what
// Check would.
func (g *Guard) Refresh() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.measure()
	return g.verdict()
}

func (g *Guard) measure() {
	stat := g.Stat
	if stat == nil {
		stat = Statfs
	}
	g.space, g.err = stat(g.Dir)
	g.at = g.now()
}

func (g *Guard) verdict() error {
	if g.err != nil {
		return fmt.Errorf("measure the free space of the data volume: %w", g.err)
	}
	need := g.Reserve.Of(g.space.Total)
	if g.space.Free >= need {
		return nil
	}
	return fmt.Errorf("%w: %s free of %s on %s (reserve %s); the node accepts no new events until space is freed",
		ErrReserve, Human(int64(g.space.Free)), Human(int64(g.space.Total)), g.Dir, g.Reserve)
}

func (g *Guard) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

func (g *Guard) maxAge() time.Duration {
	if g.MaxAge <= 0 {
		return DefaultMaxAge
	}
	return g.MaxAge
}

// Human writes a size for people: "3.1 GiB", "512 MiB", "900 B".
func Human(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "iB"
}
