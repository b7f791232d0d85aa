package sse_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/sse"
)

type sev struct{ name, data string }

func readAll(t testing.TB, r io.Reader) []sev {
	t.Helper()
	rd := sse.NewReader(r)
	var out []sev
	for {
		name, data, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, sev{name, data})
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		want     []sev
	}{
		{"named", "event: delta\ndata: {\"a\":1}\n\n", []sev{{"delta", `{"a":1}`}}},
		{"default name, lines joined", "data: one\ndata: two\n\n", []sev{{"message", "one\ntwo"}}},
		{"comments and unknown fields", ": keep-alive\nid: 3\nretry: 10\ndata:x\n\n", []sev{{"message", "x"}}},
		{"CRLF and CR", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r", []sev{{"a", "1"}, {"b", "2"}}},
		{"no data is no event", "event: lonely\n\ndata: y\n\n", []sev{{"message", "y"}}},
		{"unterminated last event is dropped", "data: x\n\ndata: cut", []sev{{"message", "x"}}},
	} {
		if got := readAll(t, strings.NewReader(tt.in)); !equal(got, tt.want) {
			t.Errorf("%s: read %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRoundTrip: what the Writer writes, the Reader reads back.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := sse.NewWriter(&buf)
	in := []sev{{"delta", "line one\nline two"}, {"tool", "{}"}, {"event", "x\r\ny"}}
	for _, e := range in {
		if err := w.Event(e.name, []byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	w.Comment("keep-alive")
	got := readAll(t, &buf)
	want := []sev{{"delta", "line one\nline two"}, {"tool", "{}"}, {"event", "x\ny"}}
	if !equal(got, want) {
		t.Fatalf("round trip = %q, want %q", got, want)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("event: delta\ndata: {\"step\":1}\n\n: c\r\ndata: a\rdata: b\r\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		rd := sse.NewReader(strings.NewReader(in))
		for range len(in) + 1 {
			name, data, err := rd.Next()
			if err != nil {
				return
			}
			if name == "" || strings.ContainsAny(name, "\r\n") || strings.Contains(data, "\r") {
				t.Fatalf("event %q %q from %q", name, data, in)
			}
		}
		t.Fatalf("more events than bytes in %q", in)
	})
}

func equal(a, b []sev) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
