package httpapi

import (
	"net/http"

	"github.com/reefhq/reef/internal/claw"
)

// reserveRetryAfter is the Retry-After, in seconds, of an event refused
// under the disk reserve.
const reserveRetryAfter = "60"

// underReserve returns the node's disk reserve problem (Server.Reserve),
// or nil when there is none.
func (s *Server) underReserve() error {
	if s.Reserve == nil {
		return nil
	}
	return s.Reserve()
}

// refuseUnderReserve is asked by every route that accepts new events,
// before it writes one: under the disk reserve it sets Retry-After and
// returns an EUNAVAILABLE error (503) saying why, and nothing is stored.
func (s *Server) refuseUnderReserve(w http.ResponseWriter) error {
	err := s.underReserve()
	if err == nil {
		return nil
	}
	if w != nil {
		w.Header().Set("Retry-After", reserveRetryAfter)
	}
	return claw.Errorf(claw.EUNAVAILABLE, "%s", err.Error())
}

// degradedBody is /readyz's answer when the node serves but accepts no
// new events: the status and its reason, and the usual error object.
type degradedBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	errorBody
}

// writeDegraded answers /readyz with 503 and the reason.
func writeDegraded(w http.ResponseWriter, reason string) {
	body := degradedBody{Status: "degraded", Reason: reason}
	body.Error.Code, body.Error.Message = claw.EUNAVAILABLE, reason
	w.Header().Set("Retry-After", reserveRetryAfter)
	writeJSON(w, http.StatusServiceUnavailable, body)
}
