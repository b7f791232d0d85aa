// Package wsplace decides where a claw's workspace lives on a node and
// whether the directory its spec names may be one (docs/security.md,
// "Where workspaces live"). A claw without a spec workspace works in
// DATA/workspaces/TENANT/NAME. A spec workspace must lie strictly under
// one of the host config's workspace_roots, outside the data directory,
// outside the system directories and apart from every other claw's
// workspace, both as written and with the links of its existing part
// resolved. Every path of the node that uses a workspace asks a Policy
// for it, so that a claw stored with a forbidden workspace gets the error
// instead of the directory.
package wsplace

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/reefhq/reef/internal/claw"
)

// Hint ends every refusal: where a workspace may live.
const Hint = "workspaces live under DATA/workspaces or a host workspace_roots entry"

// Claws lists every claw of every tenant whose current spec names a
// workspace (store.Claws.WorkspaceClaws).
type Claws interface {
	WorkspaceClaws(ctx context.Context) ([]claw.Claw, error)
}

// Policy is where one node's claws keep their workspaces. It is safe for
// concurrent use.
type Policy struct {
	data     string // the data directory, absolute and clean
	defaults string // data/workspaces
	roots    []string
	claws    Claws
}

// New returns the policy of a node whose data directory is dataDir, with
// the host config's workspace_roots, checking other claws' workspaces
// through claws (nil: no such check). A root that is, or lies inside, the
// data directory or a system directory is an error.
func New(dataDir string, roots []string, claws Claws) (*Policy, error) {
	data, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	p := &Policy{data: data, defaults: filepath.Join(data, "workspaces"), claws: claws}
	dataReal, err := realPath(data)
	if err != nil {
		return nil, fmt.Errorf("resolve data directory: %w", err)
	}
	for _, r := range roots {
		if why := CheckRoot(r); why != "" {
			return nil, fmt.Errorf("workspace_roots: %s", why)
		}
		resolved, err := realPath(r)
		if err != nil {
			return nil, fmt.Errorf("workspace_roots: resolve %s: %w", r, err)
		}
		for _, pair := range [][2]string{{r, data}, {resolved, dataReal}} {
			if within(pair[0], pair[1]) {
				return nil, fmt.Errorf("workspace_roots: %s is or lies inside the data directory %s", r, data)
			}
		}
		p.roots = append(p.roots, r)
	}
	return p, nil
}

// Dir returns the absolute workspace directory of c: its spec workspace
// when that is allowed, else DATA/workspaces/TENANT/NAME. A spec
// workspace that breaks a rule (checked now, links resolved) gives an
// EUNPROCESSABLE *claw.Error naming the rule, and no directory. Dir does
// not compare c with other claws' workspaces: Check does, at apply.
func (p *Policy) Dir(c claw.Claw) (string, error) {
	if c.Spec.Workspace == "" {
		return filepath.Join(p.defaults, c.Tenant, c.Name), nil
	}
	if why := p.placement(c.Spec.Workspace); why != "" {
		return "", refusal(c.Spec.Workspace, why)
	}
	return c.Spec.Workspace, nil
}

// refusal is the error of a forbidden workspace.
func refusal(dir, why string) error {
	return claw.Errorf(claw.EUNPROCESSABLE, "workspace: %s %s; %s", quote(dir), why, Hint)
}

// quote shows a path in a message: as is when it is plain, quoted and cut
// to 128 bytes otherwise.
func quote(s string) string {
	plain := len(s) <= 128
	for _, r := range s {
		if r <= ' ' || r == '"' || r == 0x7f || r > 0x7e {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	if len(s) > 128 {
		s = s[:128] + "..."
	}
	return fmt.Sprintf("%q", s)
}
