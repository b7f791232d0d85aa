package storetest

import (
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
	"github.com/reefhq/reef/internal/store"
)

// testWorkspaceClaws: every tenant's claws whose current spec names a
// workspace, and no other (not one whose instructions mention the key,
// not one whose older version named a workspace).
func testWorkspaceClaws(t *testing.T, s store.Store) {
	if err := s.EnsureTenant(ctx(t), "t2"); err != nil {
		t.Fatal(err)
	}
	apply := func(tenant string, sp claw.Spec) {
		t.Helper()
		sp.Model = "p/m"
		canon, err := spec.Canonical(sp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyClaw(ctx(t), tenant, sp, canon); err != nil {
			t.Fatalf("ApplyClaw %s/%s: %v", tenant, sp.Name, err)
		}
	}
	if cs, err := s.WorkspaceClaws(ctx(t)); err != nil || len(cs) != 0 {
		t.Fatalf("WorkspaceClaws on a fresh store = %+v, %v", cs, err)
	}
	apply(claw.DefaultTenant, claw.Spec{Name: "a", Workspace: "/srv/ws/a"})
	apply(claw.DefaultTenant, claw.Spec{Name: "b"})
	apply(claw.DefaultTenant, claw.Spec{Name: "c", Instructions: `say {"workspace": "/etc"}`})
	apply(claw.DefaultTenant, claw.Spec{Name: "d", Workspace: "/srv/ws/d"})
	apply("t2", claw.Spec{Name: "a", Workspace: "/srv/ws/t2a"})
	apply(claw.DefaultTenant, claw.Spec{Name: "a"}) // v2 names none
	cs, err := s.WorkspaceClaws(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Tenant+"/"+c.Name+"="+c.Spec.Workspace)
	}
	want := []string{"default/d=/srv/ws/d", "t2/a=/srv/ws/t2a"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("WorkspaceClaws = %q, want %q", got, want)
	}
}
