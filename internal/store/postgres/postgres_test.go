package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/postgres"
	"github.com/reefhq/reef/internal/store/storetest"
)

var schemaSeq atomic.Int64

// TestURL returns a URL to a fresh schema of REEF_TEST_POSTGRES_URL, or
// skips the test when the variable is unset.
func testURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("REEF_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("REEF_TEST_POSTGRES_URL not set")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := fmt.Sprintf("reef_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, schemaSeq.Add(1))
	if _, err := db.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), testURL(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestBadURL(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(t.Context(), "postgres://127.0.0.1:1/nope?connect_timeout=1", nil)
	if err == nil || !strings.Contains(err.Error(), "connect postgres") {
		t.Fatalf("Open(bad url) = %v", err)
	}
}
