package node_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/httpapi"
	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/store/storetest"
)

// chat posts a chat completion request and returns the response with its
// body read.
func chat(t *testing.T, b *bundle, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", b.node.URL()+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+b.client.Token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(raw)
}

// sseData returns the data lines of an event stream.
func sseData(t *testing.T, stream string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(stream))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestOpenAICompletion(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo, "")
	ctx := t.Context()
	if _, err := b.client.Apply(ctx, []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	resp, raw := chat(t, b, `{"model":"hello","messages":[{"role":"system","content":"ignored"},{"role":"user","content":"hi"}],"temperature":0.2}`)
	var c httpapi.ChatCompletion
	if err := json.Unmarshal([]byte(raw), &c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	if c.Object != "chat.completion" || c.Model != "hello" || len(c.Choices) != 1 || *c.Choices[0].Message.Content != "echo: hi" ||
		*c.Choices[0].FinishReason != "stop" || c.Usage == nil || c.Usage.TotalTokens == 0 {
		t.Fatalf("completion = %s", raw)
	}
	fresh := resp.Header.Get("X-Reef-Session")
	if !strings.HasPrefix(fresh, "chat-") {
		t.Fatalf("session %q", fresh)
	}

	// A named session (user field, or the header which wins) carries the
	// claw's own history; earlier messages of the request are not resent.
	for _, text := range []string{"one", "two"} {
		resp, raw = chat(t, b, `{"model":"hello","user":"u1","messages":[{"role":"user","content":"old"},{"role":"assistant","content":"x"},{"role":"user","content":[{"type":"text","text":"`+text+`"}]}]}`)
		if resp.StatusCode != 200 || resp.Header.Get("X-Reef-Session") != "u1" || !strings.Contains(raw, "echo: "+text) {
			t.Fatalf("%d %s", resp.StatusCode, raw)
		}
	}
	calls := b.model.Calls()
	last := calls[len(calls)-1].Messages
	if len(last) != 3 || last[0].Content != "one" || last[1].Content != "echo: one" || last[2].Content != "two" {
		t.Fatalf("model saw %+v", last)
	}
	resp, _ = chat(t, b, `{"model":"hello","user":"u1","messages":[{"role":"user","content":"three"}]}`, "X-Reef-Session", "s2")
	if resp.Header.Get("X-Reef-Session") != "s2" {
		t.Fatalf("header session = %q", resp.Header.Get("X-Reef-Session"))
	}
	// A user that is no valid session name is hashed into one.
	resp, _ = chat(t, b, `{"model":"hello","user":"Ann Smith <ann@example.com>","messages":[{"role":"user","content":"four"}]}`)
	if s := resp.Header.Get("X-Reef-Session"); resp.StatusCode != 200 || !strings.HasPrefix(s, "user-") || len(s) != 37 {
		t.Fatalf("hashed user session = %q (%d)", s, resp.StatusCode)
	}
	// In a fresh session the request's earlier turns are quoted.
	_, raw = chat(t, b, `{"model":"hello","messages":[{"role":"user","content":"my name is Ann"},{"role":"assistant","content":"hello Ann"},{"role":"user","content":"who am I?"}]}`)
	if !strings.Contains(raw, `[user]\nmy name is Ann\n\n[assistant]\nhello Ann\n\nThe new message:\n\nwho am I?`) {
		t.Fatalf("history not quoted: %s", raw)
	}

	// Models.
	req, _ := http.NewRequestWithContext(ctx, "GET", b.node.URL()+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+b.client.Token)
	mresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Object string          `json:"object"`
		Data   []httpapi.Model `json:"data"`
	}
	json.NewDecoder(mresp.Body).Decode(&list)
	mresp.Body.Close()
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "hello" || list.Data[0].Object != "model" || list.Data[0].Created == 0 {
		t.Fatalf("models = %+v", list)
	}
}

func TestOpenAIStream(t *testing.T) {
	t.Parallel()
	openAIStream(t, "")
}

func TestOpenAIStreamPostgres(t *testing.T) {
	t.Parallel()
	openAIStream(t, storetest.PostgresURL(t))
}

func openAIStream(t *testing.T, dbURL string) {
	b := setup(t, llmtest.Script(
		llmtest.Reply{Text: "A fairly long answer, streamed in several pieces by the fake model."},
		llmtest.Reply{Text: "Let me check.", ToolCalls: []llm.ToolCall{llmtest.ToolCall("c1", "echo", map[string]string{"text": "ping"})}},
		llmtest.Reply{Text: "It said ping."},
	), dbURL)
	if _, err := b.client.Apply(t.Context(), []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	resp, raw := chat(t, b, `{"model":"hello","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	text, pieces, usage := readChunks(t, sseData(t, raw))
	if text != "A fairly long answer, streamed in several pieces by the fake model." || pieces < 3 || usage == nil || usage.TotalTokens == 0 {
		t.Fatalf("text %q in %d pieces, usage %+v:\n%s", text, pieces, usage, raw)
	}
	if calls := b.model.Calls(); !calls[0].Stream {
		t.Fatal("the model call did not stream")
	}
	// Text written before a tool call streams too, a blank line before
	// the final answer; the non-streamed reply is the final answer only.
	_, raw = chat(t, b, `{"model":"hello","stream":true,"messages":[{"role":"user","content":"check"}]}`)
	text, _, usage = readChunks(t, sseData(t, raw))
	if text != "Let me check.\n\nIt said ping." || usage != nil {
		t.Fatalf("text %q usage %+v:\n%s", text, usage, raw)
	}
}

// readChunks checks a completion stream's chunks and returns its text, the
// number of content pieces and the usage chunk's usage.
func readChunks(t *testing.T, data []string) (string, int, *httpapi.ChatUsage) {
	t.Helper()
	if len(data) < 3 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %q", data)
	}
	var text strings.Builder
	var pieces int
	var usage *httpapi.ChatUsage
	finished := false
	for i, d := range data[:len(data)-1] {
		var c httpapi.ChatCompletion
		if err := json.Unmarshal([]byte(d), &c); err != nil || c.Object != "chat.completion.chunk" || c.ID == "" {
			t.Fatalf("chunk %d: %s (%v)", i, d, err)
		}
		if c.Usage != nil {
			if len(c.Choices) != 0 || i != len(data)-2 {
				t.Fatalf("usage chunk %d: %s", i, d)
			}
			usage = c.Usage
			continue
		}
		ch := c.Choices[0]
		if i == 0 && ch.Delta.Role != "assistant" {
			t.Fatalf("first chunk: %s", d)
		}
		if ch.FinishReason != nil {
			finished = *ch.FinishReason == "stop"
		}
		if ch.Delta.Content != nil && *ch.Delta.Content != "" {
			text.WriteString(*ch.Delta.Content)
			pieces++
		}
	}
	if !finished {
		t.Fatalf("no finish_reason stop in %q", data)
	}
	return text.String(), pieces, usage
}

func TestOpenAIErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Script(llmtest.Reply{Status: 400, ErrorMessage: "bad things"}, llmtest.Reply{Status: 400, ErrorMessage: "bad things"}), "")
	if _, err := b.client.Apply(t.Context(), []byte(helloSpec)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		header     []string
		status     int
		typ, code  string
	}{
		{"no token", `{}`, []string{"Authorization", ""}, 401, "invalid_request_error", "invalid_api_key"},
		{"unknown model", `{"model":"nope","messages":[{"role":"user","content":"x"}]}`, nil, 404, "invalid_request_error", "model_not_found"},
		{"no model", `{"messages":[{"role":"user","content":"x"}]}`, nil, 400, "invalid_request_error", ""},
		{"bad json", `{"model":`, nil, 400, "invalid_request_error", ""},
		{"last not user", `{"model":"hello","messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}]}`, nil, 400, "invalid_request_error", ""},
		{"image", `{"model":"hello","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}`, nil, 400, "invalid_request_error", ""},
		{"n=2", `{"model":"hello","n":2,"messages":[{"role":"user","content":"x"}]}`, nil, 400, "invalid_request_error", ""},
		{"bad session", `{"model":"hello","messages":[{"role":"user","content":"x"}]}`, []string{"X-Reef-Session", "has space"}, 400, "invalid_request_error", ""},
		{"run fails", `{"model":"hello","messages":[{"role":"user","content":"x"}]}`, nil, 500, "server_error", "run_failed"},
	}
	for _, tt := range tests {
		resp, raw := chat(t, b, tt.body, tt.header...)
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Code    *string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(raw), &e)
		code := ""
		if e.Error.Code != nil {
			code = *e.Error.Code
		}
		if resp.StatusCode != tt.status || e.Error.Type != tt.typ || code != tt.code || e.Error.Message == "" || resp.Header.Get("X-Should-Retry") != "false" {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, raw)
		}
	}
	// A failing run in a stream ends it with an error object.
	_, raw := chat(t, b, `{"model":"hello","stream":true,"messages":[{"role":"user","content":"x"}]}`)
	data := sseData(t, raw)
	if !strings.Contains(data[len(data)-1], `"run_failed"`) {
		t.Fatalf("stream: %q", data)
	}
}
