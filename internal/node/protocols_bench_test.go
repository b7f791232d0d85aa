package node_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// BenchmarkWebhookDelivery measures a signed Standard Webhooks delivery
// through HTTP, verification, prompt rendering and the committed enqueue
// (SQLite), until the 202; the runs happen alongside.
func BenchmarkWebhookDelivery(b *testing.B) {
	bn := setupEnv(b, llmtest.Echo, map[string]string{"HOOK_SECRET": envSecret}, "")
	if _, err := bn.client.Apply(b.Context(), []byte(hookSpec)); err != nil {
		b.Fatal(err)
	}
	url := bn.node.URL() + "/hooks/hooked/billing"
	body := []byte(`{"invoice": "in_42", "status": "paid"}`)
	client := &http.Client{}
	i := 0
	for b.Loop() {
		i++
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header = signed(b, hookSecret, fmt.Sprint("msg_", i), time.Now(), body)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkChatCompletion measures a whole OpenAI-compatible turn against
// the zero-delay fake model (SQLite), non-streaming and streaming: HTTP
// in, the event committed, the claw's run (claim, model call, end), the
// answer out. Each turn uses a fresh session. The baseline is the same
// turn through POST /v1/claws/{name}/messages?wait=.
func BenchmarkChatCompletion(b *testing.B) {
	b.Run("baseline=messages", func(b *testing.B) {
		bn := setupEnv(b, llmtest.Echo, nil, "")
		if _, err := bn.client.Apply(b.Context(), []byte(helloSpec)); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			res, err := bn.client.Send(b.Context(), "hello", api.MessageRequest{Text: "hi", Session: fmt.Sprint("s", i)}, time.Minute)
			if err != nil || res.Reply != "echo: hi" {
				b.Fatalf("%+v %v", res, err)
			}
		}
	})
	for _, stream := range []bool{false, true} {
		b.Run(fmt.Sprintf("stream=%v", stream), func(b *testing.B) {
			bn := setupEnv(b, llmtest.Echo, nil, "")
			if _, err := bn.client.Apply(b.Context(), []byte(helloSpec)); err != nil {
				b.Fatal(err)
			}
			body := fmt.Sprintf(`{"model":"hello","stream":%v,"messages":[{"role":"user","content":"hi"}]}`, stream)
			client := &http.Client{}
			for b.Loop() {
				req, _ := http.NewRequest("POST", bn.node.URL()+"/v1/chat/completions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+bn.client.Token)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := []byte(`"content": "echo: hi"`)
				if stream {
					want = []byte("data: [DONE]")
				}
				if resp.StatusCode != 200 || !bytes.Contains(raw, want) {
					b.Fatalf("%d %s", resp.StatusCode, raw)
				}
			}
		})
	}
}
