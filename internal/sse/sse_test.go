package sse_test

import (
	"bufio"
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sse"
)

// event is one event as a client parses it.
type event struct {
	name, data string
}

// parse reads an event stream the way the WHATWG algorithm does: lines end
// at \r\n, \n or \r; "data" fields join with \n; one space after the colon
// is dropped; comments and unknown fields are ignored; an event without
// data is not dispatched.
func parse(t *testing.T, stream string) []event {
	t.Helper()
	var out []event
	var name string
	var data []string
	sc := bufio.NewScanner(strings.NewReader(stream))
	sc.Buffer(nil, 1<<24)
	sc.Split(func(b []byte, atEOF bool) (int, []byte, error) {
		for i, c := range b {
			if c == '\n' {
				return i + 1, b[:i], nil
			}
			if c == '\r' {
				if i+1 < len(b) {
					if b[i+1] == '\n' {
						return i + 2, b[:i], nil
					}
					return i + 1, b[:i], nil
				}
				if atEOF {
					return i + 1, b[:i], nil
				}
				return 0, nil, nil // need one more byte
			}
		}
		if atEOF && len(b) > 0 {
			return len(b), b, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data != nil {
				out = append(out, event{name, strings.Join(data, "\n")})
			}
			name, data = "", nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "data":
			data = append(data, value)
		case "event":
			name = value
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// normalize is what a client reads back for data: every line break a \n.
func normalize(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func TestWriter(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	sse.SetHeaders(rec.Header())
	w := sse.NewWriter(rec)
	inputs := []event{
		{"", `{"a":1}`},
		{"delta", "two\nlines"},
		{"", "crlf\r\nand cr\rend\n"},
		{"", ""},
		{"", " leading space"},
		{"", "[DONE]"},
	}
	for _, e := range inputs {
		if err := w.Event(e.name, []byte(e.data)); err != nil {
			t.Fatal(err)
		}
		if err := w.Comment("keep\nalive"); err != nil {
			t.Fatal(err)
		}
	}
	if !rec.Flushed {
		t.Fatal("events were not flushed")
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	got := parse(t, rec.Body.String())
	if len(got) != len(inputs) {
		t.Fatalf("parsed %d events from %q", len(got), rec.Body.String())
	}
	for i, e := range inputs {
		if got[i].name != e.name || got[i].data != normalize(e.data) {
			t.Errorf("event %d = %+v, want %+v", i, got[i], event{e.name, normalize(e.data)})
		}
	}
	if !strings.Contains(rec.Body.String(), "data: [DONE]\n\n") {
		t.Fatalf("no literal [DONE] line in %q", rec.Body.String())
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("gone")
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sse.NewWriter(&buf).Event("a\nb", nil); !errors.Is(err, sse.ErrName) {
		t.Fatalf("err = %v", err)
	}
	f := &failWriter{}
	w := sse.NewWriter(f)
	if w.Event("", []byte("x")) == nil || w.Event("", []byte("y")) == nil || w.Comment("z") == nil {
		t.Fatal("write to a failed writer succeeded")
	}
	if f.n != 1 {
		t.Fatalf("wrote %d times after a failure", f.n)
	}
}

// FuzzWriter checks that whatever data and names are written, a standard
// parser reads back the same events.
func FuzzWriter(f *testing.F) {
	f.Add("", []byte(`{"choices":[]}`), []byte("x"))
	f.Add("delta", []byte("a\r\nb\rc\nd"), []byte("\r"))
	f.Add("", []byte(""), []byte("\n\n"))
	f.Add("x:y", []byte(": not a comment"), []byte("data: nested"))
	f.Fuzz(func(t *testing.T, name string, a, b []byte) {
		var buf bytes.Buffer
		w := sse.NewWriter(&buf)
		err := w.Event(name, a)
		if strings.ContainsAny(name, "\r\n") {
			if !errors.Is(err, sse.ErrName) {
				t.Fatalf("name %q: err = %v", name, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Event("", b); err != nil {
			t.Fatal(err)
		}
		got := parse(t, buf.String())
		if len(got) != 2 || got[0].data != normalize(string(a)) || got[1].data != normalize(string(b)) || got[1].name != "" {
			t.Fatalf("wrote %q %q %q, read back %+v from %q", name, a, b, got, buf.String())
		}
		if got[0].name != name {
			t.Fatalf("name %q read back as %q", name, got[0].name)
		}
	})
}
