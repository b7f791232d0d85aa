package httpapi

import (
	"testing"
)

// TestRouteTable pins every route the API serves and the policy it
// declares: a route added without a policy, or with another one, fails
// here until this table says so.
func TestRouteTable(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"GET /healthz":                                       PolicyPublic,
		"GET /readyz":                                        PolicyPublic,
		"GET /v1/version":                                    PolicyToken,
		"POST /v1/claws":                                     PolicyToken,
		"GET /v1/claws":                                      PolicyToken,
		"GET /v1/claws/{name}":                               PolicyToken,
		"DELETE /v1/claws/{name}":                            PolicyToken,
		"GET /v1/claws/{name}/versions":                      PolicyToken,
		"POST /v1/claws/{name}/rollback":                     PolicyToken,
		"POST /v1/claws/{name}/messages":                     PolicyToken,
		"GET /v1/claws/{name}/events/{id}":                   PolicyToken,
		"GET /v1/claws/{name}/runs":                          PolicyToken,
		"GET /v1/claws/{name}/runs/{id}":                     PolicyToken,
		"GET /v1/claws/{name}/sessions":                      PolicyToken,
		"GET /v1/claws/{name}/sessions/{session}":            PolicyToken,
		"POST /v1/claws/{name}/sessions/{session}/reset":     PolicyToken,
		"PUT /v1/claws/{name}/workspace/{path...}":           PolicyToken,
		"GET /v1/claws/{name}/schedules":                     PolicyToken,
		"GET /v1/claws/{name}/schedules/{schedule}":          PolicyToken,
		"DELETE /v1/claws/{name}/schedules/{schedule}":       PolicyToken,
		"POST /v1/claws/{name}/schedules/{schedule}/trigger": PolicyToken,
		"POST /v1/claws/{name}/schedules/{schedule}/pause":   PolicyToken,
		"POST /v1/claws/{name}/schedules/{schedule}/resume":  PolicyToken,
		"POST /v1/claws/{name}/pause":                        PolicyToken,
		"POST /v1/claws/{name}/resume":                       PolicyToken,
		"POST /v1/claws/{name}/restart":                      PolicyToken,
		"GET /v1/audit":                                      PolicyToken,
		"GET /v1/approvals":                                  PolicyToken,
		"POST /v1/runs/{id}/approve":                         PolicyToken,
		"POST /v1/runs/{id}/deny":                            PolicyToken,
		"GET /v1/doctor":                                     PolicyToken,
		"POST /v1/tenants":                                   PolicyToken,
		"GET /v1/tenants":                                    PolicyToken,
		"GET /v1/tenants/{tenant}":                           PolicyToken,
		"PUT /v1/tenants/{tenant}/limits":                    PolicyToken,
		"DELETE /v1/tenants/{tenant}":                        PolicyToken,
		"POST /v1/tokens":                                    PolicyToken,
		"GET /v1/tokens":                                     PolicyToken,
		"DELETE /v1/tokens/{id}":                             PolicyToken,
		"POST /hooks/{claw}/{hook}":                          PolicyPublic,
		"POST /hooks/{tenant}/{claw}/{hook}":                 PolicyPublic,
		"POST /v1/chat/completions":                          PolicyOpenAI,
		"GET /v1/models":                                     PolicyOpenAI,
		"GET /v1/models/{model}":                             PolicyOpenAI,
		"/mcp":                                               PolicyMCP,
		"/v1/":                                               PolicyToken,
	}
	routes := (&Server{}).Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		if seen[r.Pattern] {
			t.Errorf("route %q registered twice", r.Pattern)
		}
		seen[r.Pattern] = true
		if r.Policy == "" {
			t.Errorf("route %q declares no policy", r.Pattern)
		}
		if r.Policy != PolicyPublic && r.Action == "" {
			t.Errorf("route %q (%s) declares no action for the token's role", r.Pattern, r.Policy)
		}
		if p, ok := want[r.Pattern]; !ok {
			t.Errorf("route %q (%s) is not in the table", r.Pattern, r.Policy)
		} else if p != r.Policy {
			t.Errorf("route %q has policy %s, want %s", r.Pattern, r.Policy, p)
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("route %q is not served", p)
		}
	}
	if last := routes[len(routes)-1].Pattern; last != "/v1/" {
		t.Errorf("last route = %q, want the /v1/ catch-all", last)
	}
}
