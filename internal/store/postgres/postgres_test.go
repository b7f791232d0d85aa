package postgres_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/postgres"
	"github.com/reefhq/reef/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), storetest.PostgresURL(t), nil)
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

// TestConcurrentOpens starts four nodes on one fresh database at once:
// exactly one migrates it and serves; the others are refused cleanly.
func TestConcurrentOpens(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	type result struct {
		s   store.Store
		err error
	}
	results := make(chan result, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(t.Context(), url, nil)
			results <- result{s, err}
		}()
	}
	opened := 0
	for range 4 {
		r := <-results
		switch {
		case r.err == nil:
			opened++
			defer r.s.Close()
		case !errors.Is(r.err, postgres.ErrLocked):
			t.Fatalf("concurrent Open: %v", r.err)
		}
	}
	if opened != 1 {
		t.Fatalf("%d nodes opened the database, want 1", opened)
	}
}

func TestOneNodeAtATime(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	s, err := postgres.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(t.Context(), url, nil); !errors.Is(err, postgres.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	s.Close()
	s, err = postgres.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s.Close()
}
