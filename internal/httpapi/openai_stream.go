package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/live"
	"github.com/reefhq/reef/internal/sse"
)

// KeepAlive is the interval of comment lines on a quiet completion stream.
const KeepAlive = 15 * time.Second

// streamChat answers a chat completion as an SSE stream of
// chat.completion.chunk objects ending with "data: [DONE]". The model's
// text deltas are relayed as they arrive when the run happens on this node
// (through s.Deltas); otherwise, or for text the stream missed, the stored
// reply is sent when the run ends.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, t chatTurn, key string) error {
	var feed *live.Feed
	var ready <-chan struct{}
	if s.Deltas != nil {
		feed = s.Deltas.Listen(t.claw.Tenant, t.claw.Name, key) // before the event exists: no delta is missed
		defer feed.Close()
		ready = feed.Ready()
	}
	ev, ew, err := s.enqueueChat(r, t, key)
	if err != nil {
		return err
	}
	defer ew.close()
	w.Header().Set("X-Reef-Event-Id", fmt.Sprint(ev.ID))
	sse.SetHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	cs := &chunkStream{w: sse.NewWriter(w), base: ChatCompletion{ID: completionID(ev), Object: "chat.completion.chunk", Created: time.Now().Unix(), Model: t.claw.Name}}
	cs.delta(ChatContent{Role: "assistant", Content: chatPtr("")}, nil)
	keep := time.NewTicker(KeepAlive)
	defer keep.Stop()
	timer := time.NewTimer(MaxWait)
	defer timer.Stop()
	for !ev.Done() && cs.err == nil {
		select {
		case <-ready:
			cs.pieces(feed.Take())
		case <-ew.ended:
			if ev, err = ew.watch(r); err != nil {
				cs.fail(toOpenAI(err))
				return nil
			}
		case <-keep.C:
			cs.err = cs.w.Comment("keep-alive")
		case <-timer.C:
			cs.fail(waitTimeout(ev))
			return nil
		case <-r.Context().Done():
			return nil // the client left; the event runs on
		}
	}
	if cs.err != nil {
		return nil
	}
	if feed != nil {
		cs.pieces(feed.Take())
	}
	if ev.Status == claw.EventFailed {
		cs.fail(runFailed(ev))
		return nil
	}
	if !cs.finish(ev.Reply) {
		s.Log.Warn("streamed text differs from the reply", "tenant", ev.Tenant, "claw", ev.Claw, "event", ev.ID)
	}
	cs.delta(ChatContent{}, chatPtr("stop"))
	if t.usage {
		usage, err := s.usageOf(r, ev)
		if err != nil {
			cs.fail(toOpenAI(err))
			return nil
		}
		c := cs.base
		c.Choices, c.Usage = []ChatChoice{}, usage
		cs.json(c)
	}
	if cs.err == nil {
		cs.err = cs.w.Event("", []byte("[DONE]"))
	}
	return nil
}

// chunkStream writes the chunks of one completion and tracks the text
// streamed for the current model call.
type chunkStream struct {
	w    *sse.Writer
	base ChatCompletion
	err  error // the first write error: the client is gone

	step     int             // the model call whose text is streaming
	stepText strings.Builder // its text so far
	late     bool            // the call began before we listened: its text is not streamed
	sep      bool            // an earlier call streamed text: separate the next
}

func (cs *chunkStream) json(v any) {
	if cs.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		cs.err = err
		return
	}
	cs.err = cs.w.Event("", b)
}

func (cs *chunkStream) delta(d ChatContent, finish *string) {
	c := cs.base
	c.Choices = []ChatChoice{{Delta: &d, FinishReason: finish}}
	cs.json(c)
}

func (cs *chunkStream) text(s string) {
	if s == "" {
		return
	}
	if cs.sep {
		s, cs.sep = "\n\n"+s, false
	}
	cs.delta(ChatContent{Content: &s}, nil)
}

// pieces relays deltas. A new model call after one that streamed text (a
// call that then asked for tools) starts after a blank line. A call whose
// start marker was missed (a second request joining a run in progress by
// its Idempotency-Key) is not relayed: finish sends its text whole.
func (cs *chunkStream) pieces(ps []live.Piece) {
	for _, p := range ps {
		if p.Tool != "" {
			continue // the OpenAI stream carries the final text only
		}
		if p.Step != cs.step {
			if cs.stepText.Len() > 0 {
				cs.sep = true
			}
			cs.step, cs.late = p.Step, p.Text != ""
			cs.stepText.Reset()
		}
		if cs.late {
			continue
		}
		cs.stepText.WriteString(p.Text)
		cs.text(p.Text)
	}
}

// finish sends what the stream lacks of the final reply: all of it when
// the last model call streamed nothing (it ran on another node), the rest
// when it streamed part. It reports false when the streamed text is not
// the start of the reply.
func (cs *chunkStream) finish(reply string) bool {
	streamed := cs.stepText.String()
	rest, ok := strings.CutPrefix(reply, streamed)
	if ok {
		cs.text(rest)
	}
	return ok
}

// fail ends the stream with an error object, which OpenAI clients raise.
func (cs *chunkStream) fail(e *oaError) {
	cs.json(e.body())
}
