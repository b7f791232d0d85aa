package sandbox

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
)

// The parent and the helper talk over inherited pipes:
//
//	fd 3: the parent writes one helperConfig (JSON) and closes it; the
//	      helper reads it only after the parent has placed it in its
//	      cgroups, so no tool code runs outside them.
//	fd 4: the helper writes report lines (JSON): each layer it applied or
//	      could not apply, an error, and "ready" just before exec; the
//	      descriptor is close-on-exec, so EOF after "ready" means the tool
//	      runs.
//	fd 5: the workspace directory, opened by the parent (the helper's
//	      uid may not traverse the path to it).
//	fd 6: the egress socket (O_PATH), when the claw has a network allowlist.
const (
	fdConfig    = 3
	fdReport    = 4
	fdWorkspace = 5
	fdEgress    = 6
)

// helperConfig is what the helper needs to know.
type helperConfig struct {
	Argv  []string `json:"argv"`
	Env   []string `json:"env"`
	Probe bool     `json:"probe,omitempty"` // report the layers, run nothing
	// Namespaces is the clone flags the helper was started with.
	Namespaces uintptr `json:"namespaces"`
	// UID and GID are the tool's ids inside the user namespace; Switch
	// says whether the helper changes to them (a per-tenant uid).
	UID    int   `json:"uid"`
	GID    int   `json:"gid"`
	Switch bool  `json:"switch"`
	Strict bool  `json:"strict"`
	Memory int64 `json:"memory"`
	Pids   int   `json:"pids"`
	// Disk is the workspace quota, the tool's RLIMIT_FSIZE; Tmp is the
	// size of its /tmp and /dev/shm.
	Disk   int64    `json:"disk"`
	Tmp    int64    `json:"tmp"`
	Egress bool     `json:"egress,omitempty"`
	Hide   []string `json:"hide,omitempty"`
	// ReadOnly lists host directories mounted read-only at their path.
	ReadOnly []string `json:"read_only,omitempty"`
	// ReadOnlyFDs are the descriptors of ReadOnly's directories, detached
	// mounts where ReadOnlyTree says so (else the helper opens the path).
	ReadOnlyFDs  []int  `json:"read_only_fds,omitempty"`
	ReadOnlyTree []bool `json:"read_only_tree,omitempty"`
	Stage2       bool   `json:"stage2,omitempty"`
	// Missing lists the layers the init found missing, for stage 2 to
	// refuse under strict.
	Missing []string `json:"missing,omitempty"`
	// Workspace and EgressPath are the host paths behind fds 5 and 6;
	// the Tree flags say the fds are detached mounts (open_tree).
	Workspace     string `json:"workspace"`
	WorkspaceTree bool   `json:"workspace_tree,omitempty"`
	EgressPath    string `json:"egress_path,omitempty"`
	EgressTree    bool   `json:"egress_tree,omitempty"`
}

// reportLine is one line on fd 4.
type reportLine struct {
	Layer *Layer `json:"layer,omitempty"`
	Error string `json:"error,omitempty"`
	Ready bool   `json:"ready,omitempty"`
}

// reporter writes report lines; under strict, a missing layer is an error.
type reporter struct {
	w      io.Writer
	strict bool
	missed []string // layers reported missing by this process
}

func (r *reporter) line(l reportLine) {
	b, _ := json.Marshal(l)
	r.w.Write(append(b, '\n'))
}

func (r *reporter) active(name, detail string) {
	r.line(reportLine{Layer: &Layer{Name: name, Active: true, Detail: detail}})
}

func (r *reporter) missing(name, why string) {
	r.missed = append(r.missed, name+" ("+why+")")
	r.line(reportLine{Layer: &Layer{Name: name, Detail: why}})
}

// readReport reads report lines until EOF.
func readReport(f *os.File) (layers []Layer, errs []string, ready bool, err error) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l reportLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch {
		case l.Layer != nil:
			layers = append(layers, *l.Layer)
		case l.Error != "":
			errs = append(errs, l.Error)
		case l.Ready:
			ready = true
		}
	}
	return layers, errs, ready, sc.Err()
}
