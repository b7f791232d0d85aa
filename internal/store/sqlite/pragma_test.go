package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestDurabilitySettings checks what acknowledged-means-on-disk rests on:
// the database is in WAL mode and the writer commits with
// synchronous=FULL (2).
func TestDurabilitySettings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reef.db")
	st, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range []struct{ dsn, pragma, want string }{
		{dsn(path, true), "journal_mode", "wal"},
		{dsn(path, true), "synchronous", "2"},
		{dsn(path, false), "synchronous", "2"},
		{dsn(path, false), "query_only", "1"},
	} {
		db, err := sql.Open("sqlite", tt.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}
