package claw

import (
	"encoding/json"
	"time"
)

// EventStatus is where an event is in its life.
type EventStatus string

// Event statuses (a contract of GET /v1/claws/{name}/events/{id}).
const (
	EventPending   EventStatus = "pending"
	EventRunning   EventStatus = "running"
	EventCompleted EventStatus = "completed"
	EventFailed    EventStatus = "failed"
)

// Event kinds.
const (
	KindMessage = "message"
	// KindAsk is a question from another claw that waits for the answer
	// (tool ask_claw); KindClawMessage one that does not (message_claw);
	// KindClawReply brings the answer to a KindClawMessage back to the
	// claw that sent it.
	KindAsk         = "ask"
	KindClawMessage = "claw_message"
	KindClawReply   = "claw_reply"
)

// NewEvent is what ingress writes into a claw's mailbox.
type NewEvent struct {
	Kind           string // KindMessage, ...
	IdempotencyKey string // unique per claw; generated when the caller gives none
	Session        string
	Text           string
	ReplyTo        string // a callback URL the reply is POSTed to; optional
	Hop            Hop    // set when another claw's run caused the event
}

// Hop traces an event caused by another claw's run (claw-to-claw): which
// claw, run and event it came from and how many claws it passed through.
type Hop struct {
	ParentClaw    string `json:"parent_claw,omitempty"`
	ParentRunID   int64  `json:"parent_run_id,omitempty"`
	ParentEventID int64  `json:"parent_event_id,omitempty"`
	Hops          int    `json:"hops,omitempty"` // 0 for an event from outside
}

// Event is one entry of a claw's durable mailbox.
type Event struct {
	ID             int64       `json:"id"`
	Tenant         string      `json:"tenant"`
	Claw           string      `json:"claw"`
	Kind           string      `json:"kind"`
	IdempotencyKey string      `json:"idempotency_key"`
	Session        string      `json:"session"`
	Text           string      `json:"text"`
	ReplyTo        string      `json:"reply_to,omitempty"`
	Status         EventStatus `json:"status"`
	Reply          string      `json:"reply,omitempty"`
	Error          string      `json:"error,omitempty"`
	RunID          int64       `json:"run_id,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	FinishedAt     *time.Time  `json:"finished_at,omitempty"`
	Hop                        // claw-to-claw trace
}

// Done reports whether the event reached a final status.
func (e Event) Done() bool { return e.Status == EventCompleted || e.Status == EventFailed }

// RunStatus is where a run is in its life.
type RunStatus string

// Run statuses.
const (
	RunRunning   RunStatus = "running"
	RunCompleted RunStatus = "completed"
	RunFailed    RunStatus = "failed"
)

// Run is the processing of one event.
type Run struct {
	ID           int64     `json:"id"`
	Tenant       string    `json:"tenant"`
	Claw         string    `json:"claw"`
	EventID      int64     `json:"event_id"`
	Session      string    `json:"session"`
	SpecVersion  int       `json:"spec_version"`
	Status       RunStatus `json:"status"`
	Steps        int       `json:"steps"`
	InputTokens  int       `json:"input_tokens"`
	OutputTokens int       `json:"output_tokens"`
	Error        string    `json:"error,omitempty"`
	Attempts     int       `json:"attempts"` // 1 + the times it was resumed after a crash
	// Compactions counts the run's compact steps: older turns of its
	// session summarised to fit the context budget (read-only: filled by
	// GetRun and ListRuns).
	Compactions int        `json:"compactions"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Hop                    // copied from the run's event
}

// StepKind says what a step did.
type StepKind string

// Step kinds.
const (
	StepModel StepKind = "model"
	StepTool  StepKind = "tool"
	// StepFlush is the silent memory-flush model call made before a
	// session is compacted; its tool calls are tool steps.
	StepFlush StepKind = "flush"
	// StepCompact is a model call that summarised older turns of the
	// session into a stored summary.
	StepCompact StepKind = "compact"
)

// StepStatus is a step's progress. A step is recorded as started before it
// happens and as finished (or failed) after.
type StepStatus string

// Step statuses.
const (
	StepStarted  StepStatus = "started"
	StepFinished StepStatus = "finished"
	StepFailed   StepStatus = "failed"
)

// Step is one model call or tool call within a run.
type Step struct {
	RunID        int64      `json:"run_id"`
	Seq          int        `json:"seq"`
	Kind         StepKind   `json:"kind"`
	Name         string     `json:"name,omitempty"`         // model or tool name
	ToolCallID   string     `json:"tool_call_id,omitempty"` // for tool steps
	Status       StepStatus `json:"status"`
	InputTokens  int        `json:"input_tokens,omitempty"`
	OutputTokens int        `json:"output_tokens,omitempty"`
	Error        string     `json:"error,omitempty"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
}

// Role is the author of a session message.
type Role string

// Roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// ToolCall is a model's request to call a tool.
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Message is one entry of a session transcript.
type Message struct {
	Seq        int64      `json:"seq"`
	Session    string     `json:"session"`
	EventID    int64      `json:"event_id"`
	Role       Role       `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"` // for RoleTool
	CreatedAt  time.Time  `json:"created_at"`
}

// CallbackPayload is the JSON body POSTed to an event's callback URL when
// its run ends, and the payload of a claw's reply to another claw.
type CallbackPayload struct {
	EventID int64       `json:"event_id"`
	Claw    string      `json:"claw"`
	Session string      `json:"session"`
	RunID   int64       `json:"run_id"`
	Status  EventStatus `json:"status"`
	Reply   string      `json:"reply,omitempty"`
	Error   string      `json:"error,omitempty"`
}
