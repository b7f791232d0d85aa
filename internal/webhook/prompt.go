package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/template"
	"time"
)

// DefaultPrompt is the prompt of a hook whose spec sets none.
const DefaultPrompt = "Webhook {{.Hook}} delivered event {{.ID}}:\n{{.Body}}"

// MaxPrompt is the largest rendered prompt, in bytes.
const MaxPrompt = 2 << 20

// ErrRender is the error of a prompt that cannot be rendered for a
// delivery (a field missing from its JSON, output over MaxPrompt).
var ErrRender = errors.New("render prompt")

// Data is what a hook's prompt template sees (documented in
// docs/webhooks.md).
type Data struct {
	Claw string // the claw's name
	Hook string // the hook's name
	ID   string // the delivery id: webhook-id or X-GitHub-Delivery
	// Timestamp is the signed send time (Standard Webhooks); zero for GitHub.
	Timestamp time.Time
	Body      string // the request body as text
	// JSON is the body parsed as JSON (objects are map[string]any, numbers
	// json.Number), nil when the body is not JSON.
	JSON any
	// Headers holds the headers the hook lists, by lowercase name; a
	// header sent several times is joined with ", ".
	Headers map[string]string
}

// Prompt is a parsed prompt template.
type Prompt struct{ t *template.Template }

var funcs = template.FuncMap{
	// json renders a value as compact JSON: {{json .JSON.repository}}.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

// ParsePrompt parses a hook's prompt template; empty text is DefaultPrompt.
func ParsePrompt(text string) (*Prompt, error) {
	if text == "" {
		text = DefaultPrompt
	}
	t, err := template.New("prompt").Funcs(funcs).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse prompt: %w", err)
	}
	return &Prompt{t: t}, nil
}

// Render executes the prompt for a delivery; the error wraps ErrRender.
func (p *Prompt) Render(d Data) (string, error) {
	var buf bytes.Buffer
	if err := p.t.Execute(&limitWriter{w: &buf, n: MaxPrompt}, d); err != nil {
		return "", fmt.Errorf("%w: %v", ErrRender, err)
	}
	return buf.String(), nil
}

// NewData builds the template data of a delivery: the body is parsed as
// JSON when it is JSON, and the listed headers are taken from h.
func NewData(clawName, hook string, dl Delivery, body []byte, h http.Header, names []string) Data {
	d := Data{Claw: clawName, Hook: hook, ID: dl.ID, Timestamp: dl.Timestamp, Body: string(body), Headers: map[string]string{}}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		d.JSON = v
	}
	for _, name := range names {
		if vs := h.Values(name); len(vs) > 0 {
			d.Headers[strings.ToLower(name)] = strings.Join(vs, ", ")
		}
	}
	return d
}

// limitWriter fails a write past n bytes.
type limitWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.w.Len()+len(p) > l.n {
		return 0, fmt.Errorf("prompt over %d bytes", l.n)
	}
	return l.w.Write(p)
}
