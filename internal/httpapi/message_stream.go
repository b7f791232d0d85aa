package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/live"
	"github.com/reefhq/reef/internal/sse"
)

// streamMessage answers POST .../messages?stream=true: the event is stored
// as without stream, then the run is relayed as Server-Sent Events until
// it ends or wait (MaxWait when 0) passes: "delta" events carry the
// model's text as it is written (api.StreamDelta), "tool" events each tool
// call once its result is recorded (api.StreamTool), and a last "event"
// event the event as stored then (api.EventResponse). Text and tool calls
// are relayed only when the run happens on this node; the last event
// always carries the reply.
func (s *Server) streamMessage(w http.ResponseWriter, r *http.Request, ref claw.Ref, req api.MessageRequest, wait time.Duration) error {
	if wait <= 0 {
		wait = MaxWait
	}
	var feed *live.Feed
	var ready <-chan struct{}
	if s.Deltas != nil {
		feed = s.Deltas.Listen(ref.Tenant, ref.Name, req.IdempotencyKey) // before the event exists: nothing is missed
		defer feed.Close()
		ready = feed.Ready()
	}
	ev, created, err := s.Store.Enqueue(r.Context(), ref, messageEvent(req))
	if err != nil {
		return err
	}
	ended, stop := s.Wake.Watch(ref, ev.ID)
	defer stop()
	if created {
		s.Wake.Notify(ref)
	}
	w.Header().Set("X-Reef-Event-Id", fmt.Sprint(ev.ID))
	sse.SetHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	out := sse.NewWriter(w)
	send := func(name string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return out.Event(name, b)
	}
	relay := func(ps []live.Piece) error {
		for _, p := range ps {
			var err error
			switch {
			case p.Tool != "":
				err = send("tool", api.StreamTool{Tool: p.Tool, Arguments: json.RawMessage(orJSONNull(p.Args)), Error: p.Error})
			case p.Text != "":
				err = send("delta", api.StreamDelta{Step: p.Step, Text: p.Text})
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	keep := time.NewTicker(KeepAlive)
	defer keep.Stop()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for !ev.Done() {
		select {
		case <-ready:
			if relay(feed.Take()) != nil {
				return nil // the client left; the event runs on
			}
			continue
		case <-ended:
		case <-keep.C:
			if out.Comment("keep-alive") != nil {
				return nil
			}
			continue
		case <-timer.C:
		case <-s.drained():
		case <-r.Context().Done():
			return nil
		}
		if ev, err = s.Store.GetEvent(r.Context(), ref, ev.ID); err != nil {
			s.Log.Warn("streamed message: read its event", "tenant", ref.Tenant, "claw", ref.Name, "event", ev.ID, "err", err)
			return nil
		}
		if !ev.Done() {
			break // the wait ended: report the event as it is
		}
	}
	if feed != nil && relay(feed.Take()) != nil {
		return nil
	}
	res := api.NewEventResponse(ev)
	res.Duplicate = !created
	_ = send("event", res)
	return nil
}

// orJSONNull is raw, or null when raw is empty.
func orJSONNull(raw string) string {
	if raw == "" {
		return "null"
	}
	return raw
}
