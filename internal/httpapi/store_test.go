package httpapi

import (
	"path/filepath"
	"testing"

	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/store/sqlstore"
)

// testStore opens a fresh SQLite store in the test's directory, closed
// by the test's cleanup.
func testStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
