package httpapi

import (
	"context"
	"slices"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

// maskSpec returns sp with every webhook secret that is set shown as
// claw.SecretSet: no response carries a secret's value.
func maskSpec(sp claw.Spec) claw.Spec {
	if len(sp.Webhooks) == 0 {
		return sp
	}
	sp.Webhooks = slices.Clone(sp.Webhooks)
	for i := range sp.Webhooks {
		if sp.Webhooks[i].Secret != "" {
			sp.Webhooks[i].Secret = claw.SecretSet
		}
	}
	return sp
}

// maskClaw returns c with its spec masked (maskSpec).
func maskClaw(c claw.Claw) claw.Claw {
	c.Spec = maskSpec(c.Spec)
	return c
}

// maskedDiff is spec.Diff of the masked specs, plus one line per hook
// whose secret changed (which the masked specs cannot show).
func maskedDiff(from, to claw.Spec) []string {
	out := spec.Diff(maskSpec(from), maskSpec(to))
	for _, h := range to.Webhooks {
		for _, old := range from.Webhooks {
			if old.Name == h.Name && old.Secret != h.Secret && old.Secret != "" && h.Secret != "" {
				out = append(out, "~ webhooks."+h.Name+".secret: (changed)")
			}
		}
	}
	return out
}

// keepSecrets replaces each webhook secret given as claw.SecretSet with
// the secret stored for the hook of that name in the claw's current
// spec; a hook with no stored secret is an error.
func (s *Server) keepSecrets(ctx context.Context, tenant string, sp claw.Spec) (claw.Spec, error) {
	i := slices.IndexFunc(sp.Webhooks, func(h claw.Webhook) bool { return h.Secret == claw.SecretSet })
	if i < 0 {
		return sp, nil
	}
	cur, err := s.Store.GetClaw(ctx, claw.Ref{Tenant: tenant, Name: sp.Name})
	if err != nil && claw.ErrorCode(err) != claw.ENOTFOUND {
		return sp, err
	}
	stored := map[string]string{}
	for _, h := range cur.Spec.Webhooks {
		if h.Secret != "" {
			stored[h.Name] = h.Secret
		}
	}
	sp.Webhooks = slices.Clone(sp.Webhooks)
	for i, h := range sp.Webhooks {
		if h.Secret != claw.SecretSet {
			continue
		}
		v, ok := stored[h.Name]
		if !ok {
			return sp, claw.Errorf(claw.EUNPROCESSABLE, "webhooks[%d].secret: %q keeps the hook's stored secret, but claw %q has no webhook %q with a secret; give the secret itself", i, claw.SecretSet, sp.Name, h.Name)
		}
		sp.Webhooks[i].Secret = v
	}
	return sp, nil
}
