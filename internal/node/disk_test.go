package node_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
	"github.com/reefhq/reef/internal/diskguard"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/node"
)

// TestDiskQuotaAndReserve is the disk-fill finding through a real node
// and the sandbox: a claw filling its workspace stops at its quota and
// gets a clear error while another claw keeps answering; with the data
// volume under the reserve, new events are refused (503) before they are
// stored, /readyz says degraded and why, an event accepted before still
// completes (its tool refused), and the node is ready again once space
// returns.
func TestDiskQuotaAndReserve(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// The model holds the gated message's first call until released, so
	// that the reserve is reached while that event is accepted and running.
	gateStarted, gate := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	var gated atomic.Bool
	handler := func(c llmtest.Call) llmtest.Reply {
		last := c.Messages[len(c.Messages)-1]
		if last.Role != llm.RoleTool && c.LastUserText() == "run: echo gated" && gated.CompareAndSwap(false, true) {
			close(gateStarted)
			<-gate
		}
		return shellModel(c)
	}
	model := llmtest.NewTest(t, handler)
	b := &bundle{model: model, data: t.TempDir(), cfg: testConfig(model)}
	b.cfg.Disk.MaxWorkspace = 1 << 30
	const gi = 1 << 30
	var free atomic.Uint64
	free.Store(50 * gi)
	space := func(string) (diskguard.Space, error) { return diskguard.Space{Free: free.Load(), Total: 64 * gi}, nil }
	n, err := node.Open(ctx, node.Options{DataDir: b.data, Addr: "127.0.0.1:0", Config: b.cfg, DiskSpace: space})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { release(); n.Stop(t.Context()) })
	b.node, b.client = n, client.New(n.URL(), node0Token(t, b))
	requireSandbox(t, b)

	// A spec asking more than the node's cap is refused when applied.
	_, err = b.client.Apply(ctx, []byte("name: greedy\nmodel: fake/m\ntools: [shell]\nsandbox: {disk: 2Gi}\n"))
	if apiStatus(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "sandbox.disk: 2Gi is over this node's limit of 1Gi (disk.max_workspace in the host config)") {
		t.Fatalf("apply over the cap: %v", err)
	}
	for _, spec := range []string{
		"name: filler\nmodel: fake/m\ntools: [shell]\nsandbox: {disk: 8Mi, timeout: 30s}\n",
		"name: steady\nmodel: fake/m\ntools: [shell]\nsandbox: {timeout: 30s}\n",
		"name: hooked\nmodel: fake/m\nwebhooks: [{name: ping, secret: " + hookSecret + "}]\n",
	} {
		if _, err := b.client.Apply(ctx, []byte(spec)); err != nil {
			t.Fatal(err)
		}
	}
	send := func(name, text string) api.EventResponse {
		t.Helper()
		res, err := b.client.Send(ctx, name, api.MessageRequest{Text: text}, time.Minute)
		if err != nil || res.Status != claw.EventCompleted {
			t.Fatalf("send %q to %s: %+v, %v", text, name, res, err)
		}
		return res
	}

	// The filler writes 20 MiB into an 8 MiB quota: the file stops at the
	// quota and the tool result says why.
	reply := send("filler", "run: head -c 20971520 /dev/zero > big").Reply
	if !strings.Contains(reply, `"error":"workspace is over its disk quota: `) || !strings.Contains(reply, "of 8.0 MiB (sandbox.disk); delete files to continue") {
		t.Fatalf("filling the workspace answered %s", reply)
	}
	fillerWS := filepath.Join(b.data, "workspaces", claw.DefaultTenant, "filler")
	if fi, err := os.Stat(filepath.Join(fillerWS, "big")); err != nil || fi.Size() != 8<<20 {
		t.Fatalf("big: %v; want 8 MiB exactly", err)
	}
	// Its next command is refused before it runs.
	reply = send("filler", "run: touch ran").Reply
	if !strings.Contains(reply, "error: shell: sandbox: workspace is over its disk quota: ") {
		t.Fatalf("the next command answered %s", reply)
	}
	if _, err := os.Stat(filepath.Join(fillerWS, "ran")); !os.IsNotExist(err) {
		t.Fatalf("a refused command ran: %v", err)
	}
	// The other claw keeps answering, its tools too.
	for i := range 20 {
		if reply := send("steady", fmt.Sprintf("run: echo ok %d", i)).Reply; !strings.Contains(reply, fmt.Sprintf(`"stdout":"ok %d\n"`, i)) {
			t.Fatalf("steady message %d answered %s", i, reply)
		}
	}

	// An event accepted before the reserve is reached ...
	accepted, err := b.client.Send(ctx, "steady", api.MessageRequest{Text: "run: echo gated"}, 0)
	if err != nil || accepted.EventID == 0 {
		t.Fatalf("accept: %+v, %v", accepted, err)
	}
	<-gateStarted
	// ... then the volume falls under the 5% reserve.
	free.Store(2 * gi)
	if err := n.Disk.Refresh(); err == nil {
		t.Fatal("2 GiB free of 64 GiB passes a 5% reserve")
	}
	const why = "disk reserve reached: 2.0 GiB free of 64.0 GiB on "
	_, err = b.client.Send(ctx, "steady", api.MessageRequest{Text: "refused", IdempotencyKey: "under-reserve"}, 0)
	if apiStatus(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), why) ||
		!strings.Contains(err.Error(), "(reserve 5%); the node accepts no new events until space is freed") {
		t.Fatalf("a message under the reserve: %v", err)
	}
	var ce *client.APIError
	if !errors.As(err, &ce) || ce.Code != claw.EUNAVAILABLE {
		t.Fatalf("error code: %+v", ce)
	}
	// The other ingress routes refuse too: a webhook (which its sender
	// retries) and a chat completion.
	hookURL, hookBody := n.URL()+"/hooks/hooked/ping", []byte(`{"n":1}`)
	code, _, raw := post(t, hookURL, signed(t, hookSecret, "msg_reserve", time.Now(), hookBody), hookBody)
	if code != http.StatusServiceUnavailable || !strings.Contains(raw, why) {
		t.Fatalf("a webhook under the reserve: %d %s", code, raw)
	}
	resp, raw := chat(t, b, `{"model":"steady","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(raw, why) {
		t.Fatalf("a chat completion under the reserve: %d %s", resp.StatusCode, raw)
	}
	status, body := readyz(t, n.URL())
	if status != http.StatusServiceUnavailable || body.Status != "degraded" || !strings.Contains(body.Reason, why) || body.Error.Code != claw.EUNAVAILABLE {
		t.Fatalf("/readyz under the reserve: %d %+v", status, body)
	}
	// The accepted event completes; its tool is refused while under the
	// reserve, and the model reads why.
	release()
	done, err := b.client.Event(ctx, "steady", accepted.EventID, time.Minute)
	if err != nil || done.Status != claw.EventCompleted || !strings.Contains(done.Reply, "no tool may start: "+why) {
		t.Fatalf("the accepted event: %+v, %v", done, err)
	}

	// Space returns: ready again, and the refused message was never
	// stored (its idempotency key is new).
	free.Store(50 * gi)
	if err := n.Disk.Refresh(); err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, n.URL()); status != http.StatusOK || body.Status != "ready" {
		t.Fatalf("/readyz after space returned: %d %+v", status, body)
	}
	res, err := b.client.Send(ctx, "steady", api.MessageRequest{Text: "run: echo back", IdempotencyKey: "under-reserve"}, time.Minute)
	if err != nil || res.Duplicate || !strings.Contains(res.Reply, `"stdout":"back\n"`) {
		t.Fatalf("after space returned: %+v, %v", res, err)
	}
	if code, out, raw := post(t, hookURL, signed(t, hookSecret, "msg_reserve", time.Now(), hookBody), hookBody); code != http.StatusAccepted || out.Duplicate {
		t.Fatalf("the webhook retried after space returned: %d %s", code, raw)
	}
}

type readyBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func readyz(t *testing.T, base string) (int, readyBody) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body readyBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
