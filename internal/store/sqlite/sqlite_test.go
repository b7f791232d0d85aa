package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reef.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTenant(t.Context(), "t2"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // double close is tolerated
	s, err = sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
}

func TestOneNodeAtATime(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reef.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(t.Context(), path, nil); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	s.Close()
	s, err = sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s.Close()
}

// TestWritesRacingClose: a write that starts while the store closes either
// commits or fails; it never hangs.
func TestWritesRacingClose(t *testing.T) {
	t.Parallel()
	for range 20 {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 8)
		for i := range 8 {
			go func() { done <- s.EnsureTenant(t.Context(), fmt.Sprint("t", i)) }()
		}
		s.Close()
		for range 8 {
			<-done
		}
	}
}
