package sse

import (
	"bufio"
	"io"
	"strings"
)

// MaxEvent bounds the bytes of one event a Reader accepts.
const MaxEvent = 4 << 20

// Reader reads the events of a stream, as WHATWG's event-stream
// interpretation says: "event:" names the event, "data:" lines are joined
// with "\n", a blank line ends the event, comment lines (":") and unknown
// fields are ignored.
type Reader struct {
	sc *bufio.Scanner
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxEvent)
	sc.Split(scanLines)
	return &Reader{sc: sc}
}

// Next returns the next event's name ("message" when it has none) and
// data; io.EOF after the last one. An event without data lines is skipped.
func (r *Reader) Next() (name, data string, err error) {
	var b strings.Builder
	hasData := false
	for r.sc.Scan() {
		line := r.sc.Text()
		if line == "" {
			if hasData {
				if name == "" {
					name = "message"
				}
				return name, b.String(), nil
			}
			name = ""
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			if hasData {
				b.WriteByte('\n')
			}
			b.WriteString(value)
			hasData = true
		}
	}
	if err := r.sc.Err(); err != nil {
		return "", "", err
	}
	return "", "", io.EOF
}

// scanLines splits at "\n", "\r\n" or a lone "\r", as event streams may.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, c := range data {
		switch c {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // a "\n" may follow
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
