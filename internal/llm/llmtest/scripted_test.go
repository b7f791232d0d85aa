package llmtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/script"
)

func TestScripted(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewTest(t, llmtest.Scripted(nil))
	tests := []struct {
		name, path, body string
		status           int
		want             []string
	}{
		{"echo", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 200, []string{`"echo: hi"`}},
		{"tool", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"/tool shell {\"command\":\"ls\"}"}]}`, 200,
			[]string{`"name":"shell"`, `"arguments":"{\"command\":\"ls\"}"`, `"finish_reason":"tool_calls"`}},
		{"fail anthropic", "/v1/messages", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"/fail 529 busy"}]}`, 529,
			[]string{`"overloaded_error"`, `"busy"`}},
		{"paced anthropic stream", "/v1/messages", `{"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"/stream 1ms\n/usage 5 6\n/say a b c"}]}`, 200,
			[]string{`"text":"a "`, `"text":"b "`, `"text":"c"`, `"output_tokens":6`, "message_stop"}},
		{"bad directive", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"/sleep never"}]}`, 400,
			[]string{"line 1: /sleep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := post(t, srv, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
		})
	}
}

func TestScriptedSleep(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewTest(t, llmtest.Scripted(script.New()))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	body := `{"model":"m","messages":[{"role":"user","content":"/sleep 1h"}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("status %d before the sleep ended, want the client's deadline", resp.StatusCode)
	}
}
