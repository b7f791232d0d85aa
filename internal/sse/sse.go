// Package sse writes Server-Sent Events (the WHATWG text/event-stream
// format) to an HTTP response: each event's data is split into "data:"
// lines, so that any text, newlines included, reads back the same, and
// every event is flushed to the client as soon as it is written.
package sse

import (
	"errors"
	"io"
	"net/http"
	"strings"
)

// ErrName is the error of an event name holding a line break.
var ErrName = errors.New("sse: event name must not contain a line break")

// SetHeaders sets the response headers of an event stream; call it before
// the first write.
func SetHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
}

// Writer writes events. After a write fails, every later write returns
// the same error. It is not safe for concurrent use.
type Writer struct {
	w     io.Writer
	flush func() error
	buf   []byte
	err   error
}

// NewWriter returns a Writer on w, flushing after each event when w is an
// http.ResponseWriter that can flush (directly or through Unwrap).
func NewWriter(w io.Writer) *Writer {
	sw := &Writer{w: w}
	if rw, ok := w.(http.ResponseWriter); ok {
		rc := http.NewResponseController(rw)
		sw.flush = rc.Flush
	}
	return sw
}

// Event writes one event with an optional name ("" for the default
// "message" event) and data. Line breaks in data (\n, \r\n or \r) start
// new data lines, which a client joins back with \n.
func (w *Writer) Event(name string, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if strings.ContainsAny(name, "\r\n") {
		return ErrName
	}
	b := w.buf[:0]
	if name != "" {
		b = append(append(append(b, "event: "...), name...), '\n')
	}
	for {
		i := indexBreak(data)
		b = append(b, "data: "...)
		if i < 0 {
			b = append(append(b, data...), '\n')
			break
		}
		b = append(append(b, data[:i]...), '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	b = append(b, '\n')
	w.buf = b
	return w.write(b)
}

// Comment writes a comment line, which clients ignore: a keep-alive.
// Line breaks in text become spaces.
func (w *Writer) Comment(text string) error {
	if w.err != nil {
		return w.err
	}
	text = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(text)
	return w.write([]byte(": " + text + "\n\n"))
}

func (w *Writer) write(b []byte) error {
	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	if w.flush != nil {
		if err := w.flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			w.err = err
			return err
		}
	}
	return nil
}

// indexBreak returns the index of the first \r or \n in b, or -1.
func indexBreak(b []byte) int {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}
