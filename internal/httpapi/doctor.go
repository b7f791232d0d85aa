package httpapi

import (
	"net/http"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsplace"
)

// DoctorResponse is GET /v1/doctor: the sandbox layers a tool started now
// would get, each active or missing with the reason, and the claws whose
// stored workspace the node does not allow (their runs fail).
type DoctorResponse struct {
	Layers     []sandbox.Layer   `json:"layers"`
	Summary    string            `json:"summary"`
	Workspaces []wsplace.Problem `json:"workspaces"`
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
	problems := []wsplace.Problem{}
	if s.Workspaces != nil {
		ps, err := s.Workspaces.Problems(r.Context())
		if err != nil {
			return err
		}
		problems = append(problems, ps...)
	}
	layers, err := s.Doctor(r.Context())
	out := DoctorResponse{Layers: layers, Summary: sandbox.Summary(layers), Workspaces: problems}
	if out.Layers == nil {
		out.Layers = []sandbox.Layer{}
	}
	if err != nil {
		out.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
