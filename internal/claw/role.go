package claw

import "slices"

// TokenRole is what a token may do. Admin acts on the node and every tenant;
// the other roles act inside their token's tenant.
type TokenRole string

// TokenRoles, from the most to the least powerful.
const (
	RoleAdmin    TokenRole = "admin"    // the node, every tenant
	RoleOwner    TokenRole = "owner"    // everything in one tenant, its tokens and secrets included
	RoleOperator TokenRole = "operator" // apply, delete, pause, resume, restart, approve, trigger, read
	RoleInvoker  TokenRole = "invoker"  // messages, chat completions and MCP tools of its claws
	RoleViewer   TokenRole = "viewer"   // read only, never a secret
	RoleMetrics  TokenRole = "metrics"  // scrape /metrics, nothing else
)

// TokenRoles lists every role, most powerful first.
var TokenRoles = []TokenRole{RoleAdmin, RoleOwner, RoleOperator, RoleInvoker, RoleViewer, RoleMetrics}

// Action is what a route does, in the terms roles grant.
type Action string

// Actions a route declares.
const (
	ActRead    Action = "read"    // read claws, runs, sessions, schedules, approvals, audit, usage
	ActInvoke  Action = "invoke"  // send messages, chat completions, MCP tools
	ActOperate Action = "operate" // apply, delete, pause, resume, restart, approve, trigger
	ActManage  Action = "manage"  // the tenant's tokens, secrets and providers
	ActMetrics Action = "metrics" // scrape the node's metrics
	ActNode    Action = "node"    // tenants, the sandbox doctor, node-wide state
	ActAny     Action = "any"     // any live token (the version, the JSON 404)
)

var grants = map[TokenRole][]Action{
	RoleAdmin:    {ActRead, ActInvoke, ActOperate, ActManage, ActMetrics, ActNode},
	RoleOwner:    {ActRead, ActInvoke, ActOperate, ActManage},
	RoleOperator: {ActRead, ActOperate},
	RoleInvoker:  {ActInvoke},
	RoleViewer:   {ActRead},
	RoleMetrics:  {ActMetrics},
}

// Can reports whether the role grants the action.
func (r TokenRole) Can(a Action) bool {
	if a == ActAny {
		return r.Valid()
	}
	return slices.Contains(grants[r], a)
}

// Valid reports whether r is a known role.
func (r TokenRole) Valid() bool { _, ok := grants[r]; return ok }

// ParseTokenRole returns the role named s, or an EINVALID error listing the
// roles.
func ParseTokenRole(s string) (TokenRole, error) {
	if r := TokenRole(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q (one of %v)", s, TokenRoles)
}

// Forbidden is the error of a role that does not grant an action.
func Forbidden(r TokenRole, a Action) error {
	what, ok := actionText[a]
	if !ok {
		what = string(a)
	}
	return Errorf(EFORBIDDEN, "a token with role %s cannot %s (the action %q is not granted to %s)", r, what, a, r)
}

var actionText = map[Action]string{
	ActRead:    "read claws, runs or sessions",
	ActInvoke:  "send messages or call claws",
	ActOperate: "change claws (apply, delete, pause, resume, restart, approve, trigger)",
	ActManage:  "manage the tenant's tokens, secrets or providers",
	ActMetrics: "read the node's metrics",
	ActNode:    "manage the node or its tenants",
}
