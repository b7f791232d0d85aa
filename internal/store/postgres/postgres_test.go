package postgres_test

import (
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

func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(t.Context(), url, nil)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
}
