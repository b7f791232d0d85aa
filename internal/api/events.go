package api

import (
	"encoding/json"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// MessageRequest is the body of POST /v1/claws/{name}/messages.
type MessageRequest struct {
	Text           string `json:"text"`
	Session        string `json:"session,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// CallbackURL, when set, receives the event's outcome as a JSON POST
	// once the run ends (retried with backoff until a 2xx).
	CallbackURL string `json:"callback_url,omitempty"`
}

// EventResponse reports an event: the answer of a message post and of
// GET /v1/claws/{name}/events/{id}.
type EventResponse struct {
	EventID    int64            `json:"event_id"`
	Status     claw.EventStatus `json:"status"`
	Session    string           `json:"session"`
	Reply      string           `json:"reply,omitempty"`
	Error      string           `json:"error,omitempty"`
	RunID      int64            `json:"run_id,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
	Duplicate  bool             `json:"duplicate,omitempty"` // the idempotency key was seen before
	Kind       string           `json:"kind,omitempty"`
	claw.Hop                    // set when another claw's run caused the event
}

// NewEventResponse reports e.
func NewEventResponse(e claw.Event) EventResponse {
	return EventResponse{EventID: e.ID, Status: e.Status, Session: e.Session, Reply: e.Reply, Error: e.Error, RunID: e.RunID,
		CreatedAt: e.CreatedAt, FinishedAt: e.FinishedAt, Kind: e.Kind, Hop: e.Hop}
}

// WebhookResponse is the answer to an accepted webhook delivery: 202 for a
// new event, 200 for a delivery id seen before (Duplicate, not run again).
type WebhookResponse struct {
	EventID   int64            `json:"event_id"`
	Status    claw.EventStatus `json:"status"`
	Duplicate bool             `json:"duplicate,omitempty"`
}

// RunView is a run with its steps, as GET .../runs/{id} returns it.
type RunView struct {
	claw.Run
	StepList []claw.Step `json:"step_list,omitempty"`
}

// DecisionRequest is the optional body of POST /v1/runs/{id}/deny (and
// /approve, which ignores the reason).
type DecisionRequest struct {
	Reason string `json:"reason,omitempty"`
}

// StreamDelta is the data of a "delta" event of a streamed message: text
// the model wrote, in the model call numbered Step (a new Step after a
// tool call starts a new paragraph).
type StreamDelta struct {
	Step int    `json:"step"`
	Text string `json:"text"`
}

// StreamTool is the data of a "tool" event of a streamed message: a tool
// call of the run, once its result is recorded.
type StreamTool struct {
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments"`
	Error     string          `json:"error,omitempty"` // why it failed
}
