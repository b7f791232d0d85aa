package webhook_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/webhook"
)

func TestPromptRender(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-GitHub-Event", "push")
	h.Add("X-Multi", "a")
	h.Add("X-Multi", "b")
	h.Set("X-Secret", "not listed")
	dl := webhook.Delivery{ID: "msg_1", Timestamp: time.Unix(1700000000, 0).UTC()}
	jsonBody := `{"action":"opened","number":12345678901234567890,"repo":{"name":"reef"}}`
	tests := []struct {
		name, prompt, body string
		want               string
		err                error
	}{
		{"default", "", "hi", "Webhook gh delivered event msg_1:\nhi", nil},
		{"json fields", "{{.JSON.action}} #{{.JSON.number}} in {{.JSON.repo.name}}", jsonBody, "opened #12345678901234567890 in reef", nil},
		{"json func", "{{json .JSON.repo}}", jsonBody, `{"name":"reef"}`, nil},
		{"missing key", "[{{.JSON.nope}}]", jsonBody, "[<no value>]", nil},
		{"headers by lowercase name", "{{index .Headers \"x-github-event\"}} {{index .Headers \"x-multi\"}} {{index .Headers \"x-secret\"}}", "", "push a, b ", nil},
		{"meta", "{{.Claw}}/{{.Hook}} {{.ID}} {{.Timestamp.Unix}}", "", "c/gh msg_1 1700000000", nil},
		{"not json", "{{if .JSON}}json{{else}}text{{end}}", "plain {", "text", nil},
		{"trailing garbage is not json", "{{if .JSON}}json{{else}}text{{end}}", `{"a":1} x`, "text", nil},
		{"field of a non-object", "{{.JSON.a.b}}", `{"a":1}`, "", webhook.ErrRender},
		{"too big", `{{range $i, $c := .Body}}{{$.Body}}{{end}}`, strings.Repeat("x", 2000), "", webhook.ErrRender},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := webhook.ParsePrompt(tt.prompt)
			if err != nil {
				t.Fatal(err)
			}
			d := webhook.NewData("c", "gh", dl, []byte(tt.body), h, []string{"X-GitHub-Event", "x-multi", "x-absent"})
			got, err := p.Render(d)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePromptErrors(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"{{.Body", "{{nofunc .Body}}", "{{end}}"} {
		if _, err := webhook.ParsePrompt(text); err == nil {
			t.Errorf("ParsePrompt(%q) succeeded", text)
		}
	}
}
