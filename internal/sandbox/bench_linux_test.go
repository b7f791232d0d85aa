package sandbox_test

import (
	"testing"

	"github.com/reefhq/reef/internal/sandbox"
)

// BenchmarkRunTrue measures a whole sandboxed process: namespaces, root,
// cgroups, two helper stages, exec of /bin/true, teardown.
func BenchmarkRunTrue(b *testing.B) {
	r := &sandbox.Runner{}
	ws := b.TempDir()
	for b.Loop() {
		c := r.Command(b.Context(), sandbox.Config{Tenant: "t1", Claw: "bench", Workspace: ws}, "/bin/true")
		if err := c.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProbe measures what GET /v1/doctor costs.
func BenchmarkProbe(b *testing.B) {
	r := &sandbox.Runner{}
	for b.Loop() {
		if _, err := r.Probe(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
