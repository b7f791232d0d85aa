package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reefhq/reef/internal/store/sqlite"
)

// TestFilesPrivate: the database and its -wal, -shm and .lock files are
// mode 0600, fresh or left 0644 by an older version.
func TestFilesPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reef.db")
	files := []string{path, path + "-wal", path + "-shm", path + ".lock"}
	check := func(when string) {
		t.Helper()
		for _, f := range files {
			st, err := os.Stat(f)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %#o, want 0600", when, filepath.Base(f), st.Mode().Perm())
			}
		}
	}
	db, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("fresh") // migrations wrote: the -wal and -shm files exist
	db.Close()
	for _, f := range files { // as an older version left them
		if err := os.Chmod(f, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if db, err = sqlite.Open(t.Context(), path, nil); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("reopened")
}
