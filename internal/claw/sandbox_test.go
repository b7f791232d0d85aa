package claw_test

import (
	"encoding/json"
	"testing"

	"github.com/reefhq/reef/internal/claw"
)

func TestParseBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want claw.Bytes
		str  string
		bad  bool
	}{
		{in: "512Mi", want: 512 << 20, str: "512Mi"},
		{in: "1Gi", want: 1 << 30, str: "1Gi"},
		{in: "1024Ki", want: 1 << 20, str: "1Mi"},
		{in: "3Ti", want: 3 << 40, str: "3Ti"},
		{in: "1G", want: 1e9, str: "1000000000"},
		{in: "2k", want: 2000, str: "2000"},
		{in: "2K", want: 2000, str: "2000"},
		{in: "1000", want: 1000, str: "1000"},
		{in: "0", want: 0, str: "0"},
		{in: "", bad: true},
		{in: "Mi", bad: true},
		{in: "-1Mi", bad: true},
		{in: "+1Mi", bad: true},
		{in: "1.5Gi", bad: true},
		{in: " 1Gi", bad: true},
		{in: "1 Gi", bad: true},
		{in: "1GiB", bad: true},
		{in: "1gi", bad: true},
		{in: "0x10", bad: true},
		{in: "9999999999Ti", bad: true},
		{in: "99999999999999999999", bad: true},
	}
	for _, tt := range tests {
		got, err := claw.ParseBytes(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseBytes(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseBytes(%q) = %d (%s), %v; want %d (%s)", tt.in, got, got, err, tt.want, tt.str)
		}
	}
}

func TestNetworkJSON(t *testing.T) {
	t.Parallel()
	var n claw.Network
	if err := json.Unmarshal([]byte(`"none"`), &n); err != nil || n != nil {
		t.Fatalf(`"none" = %v, %v`, n, err)
	}
	if err := json.Unmarshal([]byte(`["a.io:443"]`), &n); err != nil || len(n) != 1 {
		t.Fatalf(`list = %v, %v`, n, err)
	}
	for _, bad := range []string{`"any"`, `3`, `[1]`, `{"a":1}`} {
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"512Mi", "1G", "0", "", "-1", "99999999999Ti", "1.5Gi", "7k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := claw.ParseBytes(s)
		if err != nil {
			return
		}
		if b < 0 {
			t.Fatalf("ParseBytes(%q) = %d < 0", s, b)
		}
		// The canonical form parses back to the same value.
		back, err := claw.ParseBytes(b.String())
		if err != nil || back != b {
			t.Fatalf("ParseBytes(%q) = %d; String %q parses to %d, %v", s, b, b.String(), back, err)
		}
		j, _ := json.Marshal(b)
		var got claw.Bytes
		if err := json.Unmarshal(j, &got); err != nil || got != b {
			t.Fatalf("JSON round trip of %d: %s -> %d, %v", b, j, got, err)
		}
	})
}

func TestSandboxDefaultDisk(t *testing.T) {
	t.Parallel()
	if got := (claw.Sandbox{}).WithDefaults().Disk; got != claw.DefaultSandboxDisk || got.String() != "1Gi" {
		t.Fatalf("default disk = %s, want 1Gi", got)
	}
	if got := (claw.Sandbox{Disk: 8 << 20}).WithDefaults().Disk; got != 8<<20 {
		t.Fatalf("disk 8Mi with defaults = %s", got)
	}
}
