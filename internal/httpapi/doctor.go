package httpapi

import (
	"net/http"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/store"
)

// DoctorResponse is GET /v1/doctor: the sandbox layers a tool started now
// would get, each active or missing with the reason.
type DoctorResponse struct {
	Layers  []sandbox.Layer `json:"layers"`
	Summary string          `json:"summary"`
	// Error is set when the sandbox helper could not start at all.
	Error string `json:"error,omitempty"`
}

func (s *Server) doctor(w http.ResponseWriter, r *http.Request, tok store.Token) error {
	if !tok.Admin {
		return claw.Errorf(claw.EUNAUTHORIZED, "doctor needs an admin token")
	}
	if s.Doctor == nil {
		return claw.Errorf(claw.EUNAVAILABLE, "this node has no sandbox helper")
	}
	layers, err := s.Doctor(r.Context())
	out := DoctorResponse{Layers: layers, Summary: sandbox.Summary(layers)}
	if out.Layers == nil {
		out.Layers = []sandbox.Layer{}
	}
	if err != nil {
		out.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
