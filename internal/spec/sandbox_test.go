package spec_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestParseSandbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want claw.Sandbox
		errs []string
	}{
		{name: "full", in: "sandbox:\n  memory: 256Mi\n  pids: 64\n  cpu: 0.5\n  timeout: 30s\n  network: [api.example.com:443, \"*.github.com:443\", \"10.0.0.5:5432\"]\n  level: strict\n",
			want: claw.Sandbox{Memory: 256 << 20, Pids: 64, CPU: 0.5, Timeout: claw.Duration(30 * time.Second),
				Network: claw.Network{"api.example.com:443", "*.github.com:443", "10.0.0.5:5432"}, Level: "strict"}},
		{name: "disk", in: "sandbox:\n  disk: 8Mi\n", want: claw.Sandbox{Disk: 8 << 20}},
		{name: "disk bounds", in: "sandbox:\n  disk: 64Ki\n",
			errs: []string{"line 4: sandbox.disk: must be between 1Mi and 16Ti, got 64Ki"}},
		{name: "disk too large", in: "sandbox:\n  disk: 17Ti\n",
			errs: []string{"line 4: sandbox.disk: must be between 1Mi and 16Ti, got 17Ti"}},
		{name: "network none", in: "sandbox:\n  network: none\n", want: claw.Sandbox{}},
		{name: "memory as bytes", in: "sandbox:\n  memory: 33554432\n", want: claw.Sandbox{Memory: 32 << 20}},
		{name: "decimal memory", in: "sandbox:\n  memory: 1G\n", want: claw.Sandbox{Memory: 1e9}},
		{name: "bad quantity", in: "sandbox:\n  memory: 512 MiB\n",
			errs: []string{`line 4: sandbox.memory: invalid quantity "512 MiB": want digits and an optional unit (Ki, Mi, Gi, Ti, k, M, G, T), such as "512Mi"`}},
		{name: "negative quantity", in: "sandbox:\n  memory: -1Gi\n",
			errs: []string{`line 4: sandbox.memory: invalid quantity "-1Gi": want digits and an optional unit (Ki, Mi, Gi, Ti, k, M, G, T), such as "512Mi"`}},
		{name: "network word", in: "sandbox:\n  network: all\n",
			errs: []string{`line 4: sandbox.network: network must be "none" or a list of host:port, got "all"`}},
		{name: "bounds", in: "sandbox:\n  memory: 1Mi\n  pids: 1\n  cpu: 1000\n  timeout: 25h\n  level: paranoid\n",
			errs: []string{
				"line 4: sandbox.memory: must be between 16Mi and 64Gi, got 1Mi",
				"line 5: sandbox.pids: must be between 8 and 65536, got 1",
				"line 6: sandbox.cpu: must be between 0.01 and 256 CPUs, got 1000",
				"line 7: sandbox.timeout: must be between 1s and 24h, got 25h0m0s",
				`line 8: sandbox.level: must be "strict" or "best-effort", got "paranoid"`,
			}},
		{name: "bad hosts", in: "sandbox:\n  network: [example.com, \"example.com:0\", \"ex ample.com:80\", \"*.com:443\", \"a.io:443\", \"A.io:443\"]\n",
			errs: []string{
				`line 4: sandbox.network[0]: invalid host:port "example.com": missing port in address`,
				`line 4: sandbox.network[1]: invalid port in "example.com:0": want 1 to 65535`,
				`line 4: sandbox.network[2]: invalid host in "ex ample.com:80": want a DNS name, an IP address or *.domain`,
				`line 4: sandbox.network[3]: invalid host in "*.com:443": a wildcard needs a domain with a dot, such as *.example.com`,
				`line 4: sandbox.network[5]: duplicate entry a.io:443 (also sandbox.network[4])`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := spec.Parse([]byte("name: a\nmodel: a/b\n" + tt.in))
			if tt.errs != nil {
				if lines := problemLines(t, err); !reflect.DeepEqual(lines, tt.errs) {
					t.Fatalf("problems:\n got %q\nwant %q", lines, tt.errs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Sandbox, tt.want) {
				t.Fatalf("sandbox = %+v, want %+v", s.Sandbox, tt.want)
			}
			// The canonical form parses back to the same spec.
			b, err := spec.Canonical(s)
			if err != nil {
				t.Fatal(err)
			}
			back, err := spec.Parse(b)
			if err != nil || !reflect.DeepEqual(back, s) {
				t.Fatalf("canonical %s parses to %+v, %v", b, back, err)
			}
		})
	}
}
