package wake_test

import (
	"slices"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/wake"
)

func TestNotifyQueuesEachClawOnce(t *testing.T) {
	t.Parallel()
	h := wake.New()
	a, b := claw.Ref{Tenant: "t", Name: "a"}, claw.Ref{Tenant: "t", Name: "b"}
	h.Notify(a)
	h.Notify(b)
	h.Notify(a)
	select {
	case <-h.Woken():
	default:
		t.Fatal("Woken has no signal after Notify")
	}
	if got := h.Take(); !slices.Equal(got, []claw.Ref{a, b}) {
		t.Fatalf("Take = %v, want [a b]", got)
	}
	if got := h.Take(); len(got) != 0 {
		t.Fatalf("second Take = %v, want empty", got)
	}
	h.Notify(a) // taken claws queue again
	if got := h.Take(); !slices.Equal(got, []claw.Ref{a}) {
		t.Fatalf("Take after re-notify = %v", got)
	}
}

func TestWatchEnded(t *testing.T) {
	t.Parallel()
	h := wake.New()
	ref := claw.Ref{Tenant: "t", Name: "a"}
	ch1, _ := h.Watch(ref, 1)
	ch2, stop2 := h.Watch(ref, 1)
	other, _ := h.Watch(ref, 2)
	stop2()
	h.Ended(ref, 1)
	select {
	case <-ch1:
	default:
		t.Fatal("watcher of the ended event not woken")
	}
	select {
	case <-ch2:
		t.Fatal("stopped watcher woken")
	case <-other:
		t.Fatal("watcher of another event woken")
	default:
	}
	h.Ended(ref, 1) // nobody left: no panic on a second end
}
