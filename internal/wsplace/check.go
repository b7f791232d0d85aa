package wsplace

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/reefhq/reef/internal/claw"
)

// Problem is a stored claw whose workspace is not allowed, as `reef
// doctor` lists it.
type Problem struct {
	Tenant    string `json:"tenant"`
	Claw      string `json:"claw"`
	Workspace string `json:"workspace"`
	// Reason is the error its runs get.
	Reason string `json:"reason"`
}

// Check decides at apply (and rollback) whether the spec s of a claw of
// tenant may name its workspace: only an admin may, and only a directory
// that Dir allows and that is not, does not lie inside and does not
// contain another claw's workspace. The error is an EUNPROCESSABLE
// *claw.Error naming the rule, or an internal error listing the claws.
func (p *Policy) Check(ctx context.Context, tenant string, s claw.Spec, admin bool) error {
	if s.Workspace == "" {
		return nil
	}
	if !admin {
		return claw.Errorf(claw.EUNPROCESSABLE, "workspace: %s: a tenant's spec cannot name a workspace (only an admin token may, under a host workspace_roots entry); leave it unset to work in DATA/workspaces/TENANT/NAME", quote(s.Workspace))
	}
	if why := p.placement(s.Workspace); why != "" {
		return refusal(s.Workspace, why)
	}
	others, err := p.others(ctx)
	if err != nil {
		return err
	}
	if why := overlap(claw.Ref{Tenant: tenant, Name: s.Name}, s.Workspace, others); why != "" {
		return refusal(s.Workspace, why)
	}
	return nil
}

// Problems lists the stored claws whose workspace is not allowed now: it
// breaks a rule of Dir, or it is, lies inside or contains another claw's
// workspace.
func (p *Policy) Problems(ctx context.Context) ([]Problem, error) {
	cs, err := p.others(ctx)
	if err != nil {
		return nil, err
	}
	var out []Problem
	for _, c := range cs {
		why := p.placement(c.Spec.Workspace)
		if why == "" {
			why = overlap(claw.Ref{Tenant: c.Tenant, Name: c.Name}, c.Spec.Workspace, cs)
		}
		if why != "" {
			out = append(out, Problem{Tenant: c.Tenant, Claw: c.Name, Workspace: c.Spec.Workspace,
				Reason: refusal(c.Spec.Workspace, why).Error()})
		}
	}
	return out, nil
}

func (p *Policy) others(ctx context.Context) ([]claw.Claw, error) {
	if p.claws == nil {
		return nil, nil
	}
	cs, err := p.claws.WorkspaceClaws(ctx)
	if err != nil {
		return nil, fmt.Errorf("list claw workspaces: %w", err)
	}
	return cs, nil
}

// overlap reports how dir, the workspace of self, meets the workspace of
// another claw in others, comparing the paths as written and with links
// resolved; "" when it meets none.
func overlap(self claw.Ref, dir string, others []claw.Claw) string {
	resolved, _ := realPath(dir) // "" when unresolvable: compared as written only
	for _, o := range others {
		if (o.Tenant == self.Tenant && o.Name == self.Name) || o.Spec.Workspace == "" {
			continue
		}
		theirs := filepath.Clean(o.Spec.Workspace)
		pairs := [][2]string{{dir, theirs}}
		if oreal, err := realPath(theirs); err == nil && resolved != "" {
			pairs = append(pairs, [2]string{resolved, oreal})
		}
		name := o.Tenant + "/" + o.Name
		for _, pr := range pairs {
			switch {
			case pr[0] == pr[1]:
				return "is the workspace of claw " + name
			case within(pr[0], pr[1]):
				return "lies inside the workspace of claw " + name
			case within(pr[1], pr[0]):
				return "contains the workspace of claw " + name
			}
		}
	}
	return ""
}
