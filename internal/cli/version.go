package cli

import (
	"runtime/debug"
	"strings"
)

// Version is reef's version when set at build time with -ldflags
// "-X github.com/reefhq/reef/internal/cli.Version=v1.2.3"; empty, the
// build info the Go toolchain recorded speaks (BuildVersion).
var Version = ""

// BuildVersion is this binary's version: Version when set, else the main
// module's version and the VCS revision, time and dirty flag the toolchain
// recorded (go build and go install in a git checkout record them; go run
// does not), such as "(devel) rev 1a2b3c4d5e6f 2026-12-03T10:00:00Z modified".
func BuildVersion() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build info)"
	}
	return describeBuild(info)
}

// describeBuild renders a build's module version and VCS settings.
func describeBuild(info *debug.BuildInfo) string {
	parts := []string{orDefault(info.Main.Version, "(devel)")}
	var rev, at, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		parts = append(parts, "rev "+rev[:min(len(rev), 12)])
	}
	if at != "" {
		parts = append(parts, at)
	}
	if modified == "true" {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, " ")
}
