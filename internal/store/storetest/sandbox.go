package storetest

import (
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/store"
)

// testSandboxSlots: a slot per tenant, stable, distinct even when tenants
// ask at once.
func testSandboxSlots(t *testing.T, s store.Store) {
	first, err := s.SandboxSlot(ctx(t), "t1")
	if err != nil || first != 0 {
		t.Fatalf("first slot = %d, %v; want 0", first, err)
	}
	if again, err := s.SandboxSlot(ctx(t), "t1"); err != nil || again != first {
		t.Fatalf("t1 again = %d, %v; want %d", again, err, first)
	}
	const n = 8
	slots := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { slots[i], errs[i] = s.SandboxSlot(ctx(t), string(rune('a'+i%4))) })
	}
	wg.Wait()
	byTenant := map[string]int{}
	seen := map[int]string{0: "t1"}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent slot: %v", errs[i])
		}
		tenant := string(rune('a' + i%4))
		if prev, ok := byTenant[tenant]; ok && prev != slots[i] {
			t.Fatalf("tenant %s got slots %d and %d", tenant, prev, slots[i])
		}
		byTenant[tenant] = slots[i]
		if other, ok := seen[slots[i]]; ok && other != tenant {
			t.Fatalf("slot %d given to %s and %s", slots[i], other, tenant)
		}
		seen[slots[i]] = tenant
	}
	if len(seen) != 5 {
		t.Fatalf("slots %v, want 5 distinct", seen)
	}
}
