package api

import "github.com/reefhq/reef/internal/claw"

// ApplyResponse is the answer of POST /v1/claws and of a rollback.
type ApplyResponse struct {
	Result  string    `json:"result"` // created | updated | unchanged
	Version int       `json:"version"`
	Diff    []string  `json:"diff,omitempty"`
	Claw    claw.Claw `json:"claw"`
}
