package config_test

import (
	"reflect"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/spec"
)

func TestParseDisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		cap     claw.Bytes
		reserve diskguard.Reserve
		errs    []string
	}{
		{name: "defaults", in: "workers: 2\n", cap: 10 << 30, reserve: diskguard.Reserve{Percent: 5}},
		{name: "percent", in: "disk:\n  max_workspace: 2Gi\n  reserve: 10%\n", cap: 2 << 30, reserve: diskguard.Reserve{Percent: 10}},
		{name: "size", in: "disk:\n  reserve: 20Gi\n", cap: 10 << 30, reserve: diskguard.Reserve{Bytes: 20 << 30}},
		{name: "no reserve", in: "disk:\n  reserve: \"0\"\n", cap: 10 << 30, reserve: diskguard.Reserve{}},
		{name: "JSON", in: `{"disk": {"max_workspace": "100Gi", "reserve": "1%"}}`, cap: 100 << 30, reserve: diskguard.Reserve{Percent: 1}},
		{name: "bad values", in: "disk:\n  max_workspace: 1Ki\n  reserve: 90%\n", errs: []string{
			`line 2: disk.max_workspace: must be between 1Mi and 16Ti, got 1Ki`,
			`line 3: disk.reserve: invalid reserve "90%": want a percentage from 0% to 50%, such as "5%", or a size such as "10Gi"`,
		}},
		{name: "unknown key", in: "disk:\n  quota: 1Gi\n", errs: []string{
			`line 2: unknown key "quota" in disk`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Parse([]byte(tt.in), env(nil))
			if tt.errs != nil {
				var lines []string
				for _, p := range spec.Problems(err) {
					lines = append(lines, p.String())
				}
				if !reflect.DeepEqual(lines, tt.errs) {
					t.Fatalf("problems:\n got %q\nwant %q", lines, tt.errs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Disk.WorkspaceCap(); got != tt.cap {
				t.Errorf("WorkspaceCap = %s, want %s", got, tt.cap)
			}
			if got := c.Disk.ReserveOrDefault(); got != tt.reserve {
				t.Errorf("ReserveOrDefault = %+v, want %+v", got, tt.reserve)
			}
		})
	}
}
