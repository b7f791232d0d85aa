package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/llm"
)

// textContent decodes a content field that is a string, null, or an array
// of content parts, keeping the text of the {"type":"text"} parts.
type textContent string

// UnmarshalJSON implements json.Unmarshaler.
func (t *textContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = textContent(s)
		return nil
	case b[0] == '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		var sb strings.Builder
		for _, p := range parts {
			if p.Type == "text" {
				sb.WriteString(p.Text)
			}
		}
		*t = textContent(sb.String())
		return nil
	default:
		return errors.New("content: want a string, null or an array of parts")
	}
}

// arguments returns a tool call's arguments as a JSON object: "{}" when
// empty, a copy of b otherwise.
func arguments(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return json.RawMessage("{}")
	}
	return append(json.RawMessage(nil), b...)
}

// splitHalves cuts s in two non-empty pieces when it has two bytes or more,
// to exercise the clients' accumulation of streamed tool arguments. The
// cut avoids splitting a UTF-8 sequence.
func splitHalves(s string) []string {
	if len(s) < 2 {
		return []string{s}
	}
	i := len(s) / 2
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	if i == 0 {
		return []string{s}
	}
	return []string{s[:i], s[i:]}
}

// outputEstimate guesses the output tokens of a reply, about four bytes a
// token.
func outputEstimate(r Reply) int {
	n := len(r.Text)
	for _, tc := range r.ToolCalls {
		n += len(tc.Name) + len(tc.Arguments)
	}
	return n/4 + 1
}

// toolCallID returns tc.ID or, when empty, prefix followed by the reply id
// and index.
func toolCallID(tc llm.ToolCall, prefix, id string, i int) string {
	if tc.ID != "" {
		return tc.ID
	}
	return prefix + id + "_" + strconv.Itoa(i)
}

// sseWriter appends server-sent events to a buffer, written to w at
// finish or, when w is a *pacedWriter, at each pause too.
type sseWriter struct {
	w   http.ResponseWriter
	buf *bytes.Buffer
	enc *json.Encoder
}

// newSSEWriter returns a writer appending to buf.
func newSSEWriter(w http.ResponseWriter, buf *bytes.Buffer) sseWriter {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return sseWriter{w: w, buf: buf, enc: enc}
}

// pause sends the events so far and waits the pacedWriter's delay; it does
// nothing for another writer.
func (s sseWriter) pause() {
	if p, ok := s.w.(*pacedWriter); ok {
		p.send(s.buf)
		p.wait()
	}
}

// finish sends the remaining events.
func (s sseWriter) finish() {
	if p, ok := s.w.(*pacedWriter); ok && p.started {
		p.send(s.buf)
		return
	}
	writeBody(s.w, "text/event-stream", s.buf)
}

// pacedWriter is a response writer for a stream whose text pieces are
// sent one by one, delay apart, until the request's context ends.
type pacedWriter struct {
	http.ResponseWriter
	ctx     context.Context
	delay   time.Duration
	started bool
	gone    bool // the context ended: pauses stop waiting
}

// send writes buf as the next part of the stream body and flushes it.
func (p *pacedWriter) send(buf *bytes.Buffer) {
	if !p.started {
		h := p.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		p.WriteHeader(http.StatusOK)
		p.started = true
	}
	_, _ = io.Copy(p.ResponseWriter, buf)
	_ = http.NewResponseController(p.ResponseWriter).Flush()
}

// wait pauses for the delay, or not at all once the context has ended.
func (p *pacedWriter) wait() {
	if p.gone || sleep(p.ctx, p.delay) != nil {
		p.gone = true
	}
}

// sleep waits d or until ctx ends, returning ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// event appends one event; an empty name writes a data-only event. The
// values written here are plain structs that always encode.
func (s sseWriter) event(name string, v any) {
	if name != "" {
		s.buf.WriteString("event: ")
		s.buf.WriteString(name)
		s.buf.WriteByte('\n')
	}
	s.buf.WriteString("data: ")
	_ = s.enc.Encode(v) // ends with '\n'
	s.buf.WriteByte('\n')
}

// raw appends a data-only event with a literal payload, such as "[DONE]".
func (s sseWriter) raw(data string) {
	s.buf.WriteString("data: ")
	s.buf.WriteString(data)
	s.buf.WriteString("\n\n")
}
