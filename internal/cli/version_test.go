package cli

import (
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"no version", debug.BuildInfo{}, "(devel)"},
		{"checkout", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d"}, {Key: "vcs.time", Value: "2026-12-03T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "(devel) rev 1a2b3c4d5e6f 2026-12-03T10:00:00Z modified"},
		{"clean checkout", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203100000-1a2b3c4d5e6f"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1a2b"}, {Key: "vcs.modified", Value: "false"},
		}}, "v0.0.0-20261203100000-1a2b3c4d5e6f rev 1a2b"},
	} {
		if got := describeBuild(&tc.info); got != tc.want {
			t.Errorf("%s: describeBuild = %q, want %q", tc.name, got, tc.want)
		}
	}
}
