package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
)

// tokens is `reef tokens create|list|revoke`.
func tokens(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	f := newFlags(env, "tokens "+args[0])
	cf := addClientFlags(f, env)
	switch args[0] {
	case "create":
		role := f.String("role", "", "the token's role: owner, operator, invoker, viewer (admin, metrics: admin only)")
		name := f.String("name", "", "a name to recognise it by (default: the role)")
		claws := f.String("claws", "", "comma-separated claws the token may reach (default: all of the tenant's)")
		ttl := f.Duration("ttl", 0, "expire after this long, e.g. 720h (default: never)")
		_, c, err := cf.connect(ctx, f, args[1:], 0)
		if err != nil {
			return err
		}
		if *role == "" {
			return fmt.Errorf("--role is required: one of %v", claw.TokenRoles)
		}
		req := api.TokenRequest{Role: claw.TokenRole(*role), Name: *name}
		if *claws != "" {
			req.Claws = strings.Split(*claws, ",")
		}
		if *ttl > 0 {
			req.TTL = ttl.String()
		}
		out, err := c.CreateToken(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Created token %s (%s in tenant %s). Its secret is shown this once:\n", out.Token.ID, out.Token.Role, out.Token.Tenant)
		fmt.Fprintln(env.Stdout, out.Secret)
		return nil
	case "list":
		all := f.Bool("all", false, "every tenant's tokens (admin)")
		out := addOutputFlag(f)
		_, c, err := cf.connect(ctx, f, args[1:], 0)
		if err != nil {
			return err
		}
		ts, err := c.Tokens(ctx, *all)
		if err != nil {
			return err
		}
		return out.print(env, ts, func() error { return tokenTable(env, ts) })
	case "revoke":
		pos, c, err := cf.connect(ctx, f, args[1:], 1)
		if err != nil {
			return err
		}
		t, err := c.RevokeToken(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "token %s (%s, %s) revoked\n", t.ID, t.Role, t.Name)
		return nil
	}
	return errUsage
}

// tokenTable prints tokens for people.
func tokenTable(env Env, ts []api.TokenView) error {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTENANT\tROLE\tNAME\tCLAWS\tCREATED\tEXPIRES\tSTATE")
	for _, t := range ts {
		exp, state := "never", "live"
		if t.ExpiresAt != nil {
			exp = t.ExpiresAt.Local().Format(time.DateTime)
			if time.Now().After(*t.ExpiresAt) {
				state = "expired"
			}
		}
		if t.RevokedAt != nil {
			state = "revoked " + t.RevokedAt.Local().Format(time.DateTime)
		}
		cl := strings.Join(t.Claws, ",")
		if cl == "" {
			cl = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Tenant, t.Role, t.Name, cl, t.CreatedAt.Local().Format(time.DateTime), exp, state)
	}
	return w.Flush()
}

// tenants is `reef tenants create|list|get|set|delete`.
func tenants(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	f := newFlags(env, "tenants "+args[0])
	cf := addClientFlags(f, env)
	switch args[0] {
	case "create":
		pos, c, err := cf.connect(ctx, f, args[1:], 1)
		if err != nil {
			return err
		}
		t, err := c.CreateTenant(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "tenant %s created; give it an owner: reef tokens create --tenant %s --role owner\n", t.Name, t.Name)
		return nil
	case "list":
		out := addOutputFlag(f)
		_, c, err := cf.connect(ctx, f, args[1:], 0)
		if err != nil {
			return err
		}
		ts, err := c.Tenants(ctx)
		if err != nil {
			return err
		}
		return out.print(env, ts, func() error {
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TENANT\tCREATED\tLIMITS")
			for _, t := range ts {
				fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.CreatedAt.Local().Format(time.DateTime), limitsText(t.Limits))
			}
			return w.Flush()
		})
	case "get":
		out := addOutputFlag(f)
		pos, c, err := cf.connect(ctx, f, args[1:], 1)
		if err != nil {
			return err
		}
		t, err := c.GetTenant(ctx, pos[0])
		if err != nil {
			return err
		}
		return out.print(env, t, func() error {
			_, err := fmt.Fprintf(env.Stdout, "tenant:  %s\ncreated: %s\nlimits:  %s\n", t.Name, t.CreatedAt.Local().Format(time.DateTime), limitsText(t.Limits))
			return err
		})
	case "set":
		maxClaws := f.Int("max-claws", -1, "claws the tenant may have (0: no limit)")
		maxRuns := f.Int("max-runs", -1, "runs in flight at once (0: no limit)")
		rate := f.String("rate", "", "events accepted per second, e.g. 5/s (0: no limit)")
		maxMem := f.String("max-memory", "", "ceiling of a tool sandbox's memory, e.g. 2Gi (0: no limit)")
		maxStorage := f.String("max-storage", "", "ceiling of a claw's workspace, e.g. 1Gi (0: no limit)")
		usd := f.Float64("usd-per-month", -1, "model spend per calendar month in dollars (0: no limit)")
		tpd := f.Int64("tokens-per-day", -1, "model tokens per day (0: no limit)")
		pos, c, err := cf.connect(ctx, f, args[1:], 1)
		if err != nil {
			return err
		}
		t, err := c.GetTenant(ctx, pos[0])
		if err != nil {
			return err
		}
		l := t.Limits
		if *maxClaws >= 0 {
			l.MaxClaws = *maxClaws
		}
		if *maxRuns >= 0 {
			l.MaxRuns = *maxRuns
		}
		if *usd >= 0 {
			l.USDPerMonth = *usd
		}
		if *tpd >= 0 {
			l.TokensPerDay = *tpd
		}
		if *rate != "" {
			v, err := strconv.ParseFloat(strings.TrimSuffix(*rate, "/s"), 64)
			if err != nil || v < 0 {
				return fmt.Errorf("--rate %q: want events per second, e.g. 5/s", *rate)
			}
			l.Rate = v
		}
		for _, b := range []struct {
			flag string
			v    *string
			to   *int64
		}{{"--max-memory", maxMem, &l.MaxMemory}, {"--max-storage", maxStorage, &l.MaxStorage}} {
			if *b.v == "" {
				continue
			}
			if *b.v == "0" {
				*b.to = 0
				continue
			}
			n, err := claw.ParseBytes(*b.v)
			if err != nil {
				return fmt.Errorf("%s: %w", b.flag, err)
			}
			*b.to = int64(n)
		}
		t, err = c.SetTenantLimits(ctx, pos[0], l)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "tenant %s: %s\n", t.Name, limitsText(t.Limits))
		return nil
	case "delete":
		pos, c, err := cf.connect(ctx, f, args[1:], 1)
		if err != nil {
			return err
		}
		d, err := c.DeleteTenant(ctx, pos[0])
		if err != nil {
			return err
		}
		kinds := make([]string, 0, len(d.Removed))
		for k := range d.Removed {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		parts := make([]string, 0, len(kinds))
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%d %s", d.Removed[k], k))
		}
		if len(parts) == 0 {
			parts = append(parts, "no data")
		}
		fmt.Fprintf(env.Stdout, "tenant %s deleted: removed %s\n", d.Tenant, strings.Join(parts, ", "))
		return nil
	}
	return errUsage
}

// limitsText shows the limits that are set, or "none".
func limitsText(l claw.TenantLimits) string {
	var p []string
	add := func(set bool, s string) {
		if set {
			p = append(p, s)
		}
	}
	add(l.MaxClaws > 0, fmt.Sprintf("max-claws=%d", l.MaxClaws))
	add(l.MaxRuns > 0, fmt.Sprintf("max-runs=%d", l.MaxRuns))
	add(l.Rate > 0, fmt.Sprintf("rate=%g/s", l.Rate))
	add(l.MaxMemory > 0, fmt.Sprintf("max-memory=%s", claw.Bytes(l.MaxMemory)))
	add(l.MaxStorage > 0, fmt.Sprintf("max-storage=%s", claw.Bytes(l.MaxStorage)))
	add(l.USDPerMonth > 0, fmt.Sprintf("usd-per-month=%g", l.USDPerMonth))
	add(l.TokensPerDay > 0, fmt.Sprintf("tokens-per-day=%d", l.TokensPerDay))
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, " ")
}
