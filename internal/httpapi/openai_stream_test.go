package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/live"
	"github.com/reefhq/reef/internal/sse"
)

// streamedText runs pieces and a final reply through a chunkStream and
// returns the text a client reads.
func streamedText(t *testing.T, reply string, batches ...[]live.Piece) (string, bool) {
	t.Helper()
	var buf bytes.Buffer
	cs := &chunkStream{w: sse.NewWriter(&buf), base: ChatCompletion{Object: "chat.completion.chunk"}}
	for _, b := range batches {
		cs.pieces(b)
	}
	ok := cs.finish(reply)
	var text strings.Builder
	for line := range strings.Lines(buf.String()) {
		d, found := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "data: ")
		if !found {
			continue
		}
		var c ChatCompletion
		if err := json.Unmarshal([]byte(d), &c); err != nil {
			t.Fatal(err)
		}
		text.WriteString(*c.Choices[0].Delta.Content)
	}
	return text.String(), ok
}

func TestChunkStream(t *testing.T) {
	t.Parallel()
	start := func(step int) live.Piece { return live.Piece{Step: step} }
	text := func(step int, s string) live.Piece { return live.Piece{Step: step, Text: s} }
	tests := []struct {
		name    string
		reply   string
		batches [][]live.Piece
		want    string
		ok      bool
	}{
		{"all streamed", "Hello world", [][]live.Piece{{start(1), text(1, "Hel")}, {text(1, "lo world")}}, "Hello world", true},
		{"nothing streamed (another node)", "Hello", nil, "Hello", true},
		{"part streamed", "Hello world", [][]live.Piece{{start(1), text(1, "Hello")}}, "Hello world", true},
		{"text before a tool call", "Done.", [][]live.Piece{{start(1), text(1, "Checking.")}, {start(3), text(3, "Done.")}}, "Checking.\n\nDone.", true},
		{"tool call without text", "Done.", [][]live.Piece{{start(1)}, {start(3), text(3, "Do"), text(3, "ne.")}}, "Done.", true},
		{"joined late", "Hello world", [][]live.Piece{{text(1, "lo"), text(1, " world")}}, "Hello world", true},
		{"joined late, then a new call", "Done.", [][]live.Piece{{text(1, "ing.")}, {start(3), text(3, "Done.")}}, "Done.", true},
		{"mismatch", "Goodbye", [][]live.Piece{{start(1), text(1, "Hello")}}, "Hello", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := streamedText(t, tt.reply, tt.batches...)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("streamed %q (ok %v), want %q (ok %v)", got, ok, tt.want, tt.ok)
			}
		})
	}
}
