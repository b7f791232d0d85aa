package httpapi

import (
	"net/http"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/sandbox"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsplace"
)

func (s *Server) doctor(w http.ResponseWriter, r *http.Request, _ store.Token) error {
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
	out := api.DoctorResponse{Layers: make([]api.Layer, 0, len(layers)), Summary: sandbox.Summary(layers),
		Workspaces: make([]api.WorkspaceProblem, 0, len(problems))}
	for _, l := range layers {
		out.Layers = append(out.Layers, api.Layer(l))
	}
	for _, p := range problems {
		out.Workspaces = append(out.Workspaces, api.WorkspaceProblem(p))
	}
	if err != nil {
		out.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// doctorRoutes report the sandbox layers and workspace problems.
func (s *Server) doctorRoutes(t *routeTable) {
	t.token("GET /v1/doctor", claw.ActNode, s.doctor)
}
