package llmtest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// post sends body to path and returns the status, Content-Type and body.
func post(t testing.TB, srv *llmtest.Server, path, body string) (int, string, string) {
	t.Helper()
	resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// events splits an SSE body into its data payloads, checking each is JSON
// or [DONE].
func events(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data != "[DONE]" && !json.Valid([]byte(data)) {
			t.Errorf("event data not JSON: %s", data)
		}
		out = append(out, data)
	}
	return out
}

func TestServerResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		body     string
		status   int
		wantType string
		want     []string // substrings of the body
	}{
		{"openai json", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
			200, "application/json", []string{`"object":"chat.completion"`, `"content":"echo: hi"`, `"finish_reason":"stop"`, `"prompt_tokens":`}},
		{"openai stream", "/v1/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`,
			200, "text/event-stream", []string{`"chat.completion.chunk"`, `"content":"hi"`, `"choices":[],"usage":{`, "data: [DONE]\n\n"}},
		{"openai without /v1", "/chat/completions", `{"model":"m","messages":[]}`, 200, "application/json", []string{`"echo: "`}},
		{"openai bad json", "/v1/chat/completions", `{"model":`, 400, "application/json", []string{`{"error":{"message":"decode chat completion request`, `"type":"invalid_request_error"`}},
		{"openai unknown role", "/v1/chat/completions", `{"model":"m","messages":[{"role":"robot"}]}`, 400, "application/json", []string{`unknown role \"robot\"`}},
		{"anthropic json", "/v1/messages", `{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"hi"}]}`,
			200, "application/json", []string{`"type":"message"`, `"text":"echo: hi"`, `"stop_reason":"end_turn"`, `"input_tokens":`}},
		{"anthropic stream", "/v1/messages", `{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`,
			200, "text/event-stream", []string{"event: message_start\n", `"type":"text_delta","text":"hi"`, "event: message_stop\n"}},
		{"anthropic no max_tokens", "/v1/messages", `{"model":"m","messages":[]}`, 400, "application/json", []string{`{"type":"error","error":{"type":"invalid_request_error","message":"decode messages request: max_tokens`}},
		{"unknown path", "/v1/embeddings", `{}`, 404, "application/json", []string{`no route for /v1/embeddings`}},
	}
	srv := llmtest.NewTest(t, llmtest.Echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, ctype, body := post(t, srv, tt.path, tt.body)
			if status != tt.status || ctype != tt.wantType {
				t.Errorf("status %d %s, want %d %s; body %s", status, ctype, tt.status, tt.wantType, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			if ctype == "text/event-stream" && len(events(t, body)) < 3 {
				t.Errorf("too few events:\n%s", body)
			}
		})
	}
}

func TestServerModels(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(nil)
	srv.Models = []string{"a", "b"}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL() + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 2 || list.Data[1].ID != "b" {
		t.Errorf("models = %+v", list)
	}
}

func TestServerErrorReply(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewTest(t, llmtest.Script(llmtest.Reply{Status: 429, RetryAfter: "7", ErrorMessage: "later"}))
	resp, err := http.Post(srv.URL()+"/v1/messages", "application/json", strings.NewReader(`{"model":"m","max_tokens":1,"messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || !bytes.Contains(b, []byte(`"type":"rate_limit_error","message":"later"`)) {
		t.Errorf("got %d %v %s", resp.StatusCode, resp.Header, b)
	}
	// The script is used up: Echo answers.
	if _, _, body := post(t, srv, "/v1/messages", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}]}`); !strings.Contains(body, "echo: x") {
		t.Errorf("after script: %s", body)
	}
}

func TestServerRecordsConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewTest(t, llmtest.Echo)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			path, body := "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"q"}]}`
			if i%2 == 1 {
				path, body = "/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"}]}`
			}
			resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Errorf("post: %v", err) // not Fatal: this is not the test goroutine
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if srv.CallCount() != n || len(srv.Calls()) != n {
		t.Errorf("count %d, calls %d, want %d", srv.CallCount(), len(srv.Calls()), n)
	}
}

func TestServerDiscardCallsAndClose(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(llmtest.Echo)
	srv.DiscardCalls = true
	srv.Close() // before Start: no-op
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start: no error")
	}
	post(t, srv, "/v1/chat/completions", `{"model":"m","messages":[]}`)
	if srv.CallCount() != 1 || len(srv.Calls()) != 0 {
		t.Errorf("count %d, calls %d; want 1, 0", srv.CallCount(), len(srv.Calls()))
	}
	srv.Close()
	srv.Close()
	if _, err := http.Get(srv.URL() + "/v1/models"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestScriptAndEcho(t *testing.T) {
	t.Parallel()
	h := llmtest.Script(llmtest.Reply{Text: "one"}, llmtest.Reply{Text: "two"})
	call := llmtest.Call{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: "first"},
		{Role: llm.RoleAssistant, Content: "x"},
		{Role: llm.RoleUser, Content: "last"},
		{Role: llm.RoleTool, Content: "tool"},
	}}
	var got []string
	for range 3 {
		got = append(got, h(call).Text)
	}
	if strings.Join(got, "|") != "one|two|echo: last" {
		t.Errorf("replies = %q", got)
	}
}

func BenchmarkServer(b *testing.B) {
	srv := llmtest.New(llmtest.Echo)
	srv.DiscardCalls = true
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	for _, bc := range []struct{ name, path, body string }{
		{"openai", "/v1/chat/completions", `{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`},
		{"openai-stream", "/v1/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}`},
		{"anthropic", "/v1/messages", `{"model":"m","max_tokens":64,"messages":[{"role":"user","content":"hello there"}]}`},
		{"anthropic-stream", "/v1/messages", `{"model":"m","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hello there"}]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(srv.URL()+bc.path, "application/json", strings.NewReader(bc.body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
