package live_test

import (
	"reflect"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/live"
)

func TestHub(t *testing.T) {
	t.Parallel()
	h := live.New()
	ev := claw.Event{Tenant: "t", Claw: "c", IdempotencyKey: "k"}
	if h.Sink(ev, 1) != nil {
		t.Fatal("a sink without listeners")
	}
	f := h.Listen("t", "c", "k")
	other := h.Listen("t", "c", "other")
	defer other.Close()
	sink := h.Sink(ev, 1)
	if sink == nil {
		t.Fatal("no sink for a listened event")
	}
	sink("Hel")
	sink("")
	sink("lo")
	h.Sink(ev, 3)("!")
	<-f.Ready()
	want := []live.Piece{{Step: 1}, {Step: 1, Text: "Hel"}, {Step: 1, Text: "lo"}, {Step: 3}, {Step: 3, Text: "!"}}
	if got := f.Take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("pieces = %+v, want %+v", got, want)
	}
	if got := other.Take(); got != nil {
		t.Fatalf("other feed got %+v", got)
	}
	f.Close()
	f.Close()
	if h.Sink(ev, 4) != nil || h.Listeners() != 1 {
		t.Fatalf("closed feed still listens (%d listeners)", h.Listeners())
	}
}

func TestHubConcurrent(t *testing.T) {
	t.Parallel()
	h := live.New()
	ev := claw.Event{Tenant: "t", Claw: "c", IdempotencyKey: "k"}
	f := h.Listen("t", "c", "k")
	defer f.Close()
	const n = 1000
	var wg sync.WaitGroup
	wg.Go(func() {
		sink := h.Sink(ev, 1)
		for range n {
			sink("x")
		}
	})
	got := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for got < n+1 {
		select {
		case <-f.Ready():
		case <-done:
		}
		got += len(f.Take())
	}
	if got != n+1 {
		t.Fatalf("got %d pieces, want %d", got, n+1)
	}
}
