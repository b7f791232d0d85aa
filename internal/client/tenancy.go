package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
)

// CreateTenant creates a tenant (admin).
func (c *Client) CreateTenant(ctx context.Context, name string) (claw.Tenant, error) {
	var out claw.Tenant
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/tenants", api.TenantRequest{Name: name}, &out)
	return out, err
}

// Tenants lists the node's tenants (admin).
func (c *Client) Tenants(ctx context.Context) ([]claw.Tenant, error) {
	var out struct{ Tenants []claw.Tenant }
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/tenants", nil, &out)
	return out.Tenants, err
}

// GetTenant returns one tenant (admin).
func (c *Client) GetTenant(ctx context.Context, name string) (claw.Tenant, error) {
	var out claw.Tenant
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/tenants/"+url.PathEscape(name), nil, &out)
	return out, err
}

// SetTenantLimits replaces a tenant's limits (admin).
func (c *Client) SetTenantLimits(ctx context.Context, name string, l claw.TenantLimits) (claw.Tenant, error) {
	var out claw.Tenant
	_, err := c.doJSON(ctx, http.MethodPut, "/v1/tenants/"+url.PathEscape(name)+"/limits", l, &out)
	return out, err
}

// DeleteTenant removes a tenant and all its data (admin).
func (c *Client) DeleteTenant(ctx context.Context, name string) (api.TenantDeleted, error) {
	var out api.TenantDeleted
	_, err := c.doJSON(ctx, http.MethodDelete, "/v1/tenants/"+url.PathEscape(name), nil, &out)
	return out, err
}

// CreateToken creates a token in the client's tenant.
func (c *Client) CreateToken(ctx context.Context, req api.TokenRequest) (api.TokenCreated, error) {
	var out api.TokenCreated
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/tokens", req, &out)
	return out, err
}

// Tokens lists the tenant's tokens; all (admin) lists every tenant's.
func (c *Client) Tokens(ctx context.Context, all bool) ([]api.TokenView, error) {
	var out struct{ Tokens []api.TokenView }
	path := "/v1/tokens"
	if all {
		path += "?all=true"
	}
	_, err := c.doJSON(ctx, http.MethodGet, path, nil, &out)
	return out.Tokens, err
}

// RevokeToken revokes a token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) (api.TokenView, error) {
	var out api.TokenView
	_, err := c.doJSON(ctx, http.MethodDelete, "/v1/tokens/"+url.PathEscape(id), nil, &out)
	return out, err
}
