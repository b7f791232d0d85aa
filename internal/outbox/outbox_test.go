package outbox_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/outbox"
	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/store/sqlite"
)

// receiver answers each POST with the next status of its script (200
// once the script is used up) and records the bodies and delivery ids.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	bodies   []string
	ids      []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, string(b))
	r.ids = append(r.ids, req.Header.Get("Reef-Delivery"))
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func setup(t *testing.T, rcv *receiver, maxAttempts int) (chan store.OutboxResult, string) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	sp := claw.Spec{Name: "c", Model: "p/m"}
	res, _ := st.ApplyClaw(t.Context(), claw.DefaultTenant, sp, []byte(`{}`))
	st.Enqueue(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "c"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: "k", Session: "main", Text: "hi", ReplyTo: srv.URL})
	ev, run, _, _ := st.ClaimRun(t.Context(), claw.DefaultTenant, res.Claw)
	settled := make(chan store.OutboxResult, 16)
	d := outbox.New(st, srv.Client(), slog.New(slog.DiscardHandler), outbox.Config{
		MaxAttempts: maxAttempts, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		OnSettle: func(_ store.OutboxEntry, r store.OutboxResult) { settled <- r },
	})
	d.Start(t.Context())
	t.Cleanup(d.Stop)
	payload := `{"event_id":1,"reply":"hello"}`
	if err := st.FinishRun(t.Context(), claw.DefaultTenant, store.RunEnd{RunID: run.ID, EventID: ev.ID, Status: claw.RunCompleted, Reply: "hello",
		Outbox: []store.OutboxEntry{{Claw: "c", Kind: outbox.KindCallback, Target: ev.ReplyTo, Payload: []byte(payload)}}}); err != nil {
		t.Fatal(err)
	}
	d.Notify()
	return settled, payload
}

func TestRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	rcv := &receiver{statuses: []int{503, 500}}
	settled, payload := setup(t, rcv, 5)
	for i, want := range []bool{false, false, true} {
		r := <-settled
		if r.Delivered != want || r.Dead {
			t.Fatalf("attempt %d = %+v", i+1, r)
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bodies) != 3 || rcv.bodies[2] != payload || rcv.ids[0] != rcv.ids[2] || rcv.ids[0] == "" {
		t.Fatalf("received %q with ids %q", rcv.bodies, rcv.ids)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(rcv.bodies[0]), &p); err != nil {
		t.Fatal(err)
	}
}

func TestDeadAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	rcv := &receiver{statuses: []int{500, 500, 500, 500}}
	settled, _ := setup(t, rcv, 3)
	for i := range 3 {
		r := <-settled
		if r.Delivered || r.Dead != (i == 2) || r.Error != "post: HTTP 500" {
			t.Fatalf("attempt %d = %+v", i+1, r)
		}
	}
}
