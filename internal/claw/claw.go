// Package claw holds reef's domain types: tenants, claws and their specs,
// events, runs, steps, session messages, and the error type shared by every
// layer. It imports nothing else of reef.
package claw

import (
	"encoding/json"
	"time"
)

// DefaultTenant is the tenant every fresh install has.
const DefaultTenant = "default"

// DefaultSession is the session a message lands in when it names none.
const DefaultSession = "main"

// State is a claw's supervision state. The states and their names are a
// contract: the API, the CLI and the docs show them as they are.
type State string

// Claw states.
const (
	StateIdle      State = "idle"      // hibernating: no goroutine, all state in the store
	StateRunning   State = "running"   // processing its mailbox
	StateBackoff   State = "backoff"   // waiting before a restart after a crash
	StateCrashloop State = "crashloop" // parked after too many crashes
	StatePaused    State = "paused"    // stopped by an operator
	StateDisabled  State = "disabled"  // not to be run at all
)

// Spec is the desired definition of a claw, as applied by a user.
type Spec struct {
	Name         string   `json:"name"`
	Model        string   `json:"model"`
	Instructions string   `json:"instructions,omitempty"`
	Tools        []string `json:"tools,omitempty"`
	Limits       Limits   `json:"limits,omitzero"`
	// Workspace is the directory the claw's tools work in; default
	// DATA/workspaces/TENANT/NAME.
	Workspace string `json:"workspace,omitempty"`

	// Supervision tunes crash restarts and wedge detection.
	Supervision Supervision `json:"supervision,omitzero"`
	// ToolTimeout bounds every tool call (default 2m).
	ToolTimeout Duration `json:"tool_timeout,omitzero"`
	// ToolTimeouts overrides ToolTimeout per tool name.
	ToolTimeouts map[string]Duration `json:"tool_timeouts,omitempty"`
	// Approval lists tools whose calls wait for an operator's approval.
	Approval []string `json:"approval,omitempty"`
	// ApprovalTimeout denies a call nobody decided on in time (default 1h).
	ApprovalTimeout Duration `json:"approval_timeout,omitzero"`
	// Schedules fire prompts into the claw's sessions on their own
	// (cron, every or at).
	Schedules []ScheduleSpec `json:"schedules,omitempty"`
	// Heartbeat wakes the claw at an interval to check on things.
	Heartbeat *Heartbeat `json:"heartbeat,omitempty"`
	// MaxSchedules bounds the schedules the claw makes itself with the
	// schedule tool (default 50).
	MaxSchedules int `json:"max_schedules,omitempty"`
	// Webhooks are the claw's signed webhook endpoints (docs/webhooks.md).
	Webhooks []Webhook `json:"webhooks,omitempty"`
	// MCP lists the MCP servers whose tools the claw may call, as
	// SERVER__TOOL (docs/mcp.md).
	MCP []MCPServer `json:"mcp,omitempty"`
	// ContextTokens is the token budget of every model request (context
	// and memory, docs/context.md); 0: the model's window when known,
	// else DefaultContextTokens.
	ContextTokens int `json:"context_tokens,omitempty"`
	// Skills, when set, allows only the named Agent Skills of the
	// workspace's skills/ directory; unset allows them all.
	Skills []string `json:"skills,omitempty"`
	// Sandbox bounds the processes the claw's tools start (sandbox.go).
	Sandbox Sandbox `json:"sandbox,omitzero"`
}

// Limits bound a single run.
type Limits struct {
	MaxSteps   int      `json:"max_steps,omitempty"`  // model+tool steps per run
	MaxTokens  int      `json:"max_tokens,omitempty"` // input+output tokens per run
	RunTimeout Duration `json:"run_timeout,omitzero"` // wall time per run
	// MaxHops bounds a chain of claw-to-claw messages: an event that
	// another claw's run caused N times removed has hop count N, and a
	// claw may not send one whose count would exceed this (default 4).
	MaxHops int `json:"max_hops,omitempty"`
}

// Default limits, applied when a spec leaves a limit unset.
const (
	DefaultMaxSteps   = 20
	DefaultMaxTokens  = 200_000
	DefaultRunTimeout = 10 * time.Minute
	DefaultMaxHops    = 4
)

// WithDefaults returns the limits with every unset field given its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxSteps == 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	if l.MaxTokens == 0 {
		l.MaxTokens = DefaultMaxTokens
	}
	if l.RunTimeout == 0 {
		l.RunTimeout = Duration(DefaultRunTimeout)
	}
	if l.MaxHops == 0 {
		l.MaxHops = DefaultMaxHops
	}
	return l
}

// Duration is a time.Duration that reads and writes as a Go duration string
// ("90s", "10m").
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "90s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "duration must be a string such as \"90s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return Errorf(EINVALID, "invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Claw is an applied claw: its current spec and its runtime state.
type Claw struct {
	Tenant    string    `json:"tenant"`
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Spec      Spec      `json:"spec"`
	State     State     `json:"state"`
	LastError string    `json:"last_error,omitempty"`
	Restarts  int       `json:"restarts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Version is one stored version of a claw's spec.
type Version struct {
	Version   int       `json:"version"`
	Spec      Spec      `json:"spec"`
	CreatedAt time.Time `json:"created_at"`
}

// Ref names a claw within a tenant.
type Ref struct {
	Tenant string
	Name   string
}
