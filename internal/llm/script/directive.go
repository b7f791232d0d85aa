package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/llm"
)

// Limits of directive arguments.
const (
	maxDelay = time.Hour
	// defaultChunkDelay is the pause of a /stream without a duration.
	defaultChunkDelay = 50 * time.Millisecond
)

// Directives is a parsed message: what its directive lines ask for, and
// the text of its other lines.
type Directives struct {
	Text                      string // the /say lines, joined by newlines
	HasText                   bool   // a /say line was given (its text may be empty)
	ToolCalls                 []llm.ToolCall
	Delay                     time.Duration
	ChunkDelay                time.Duration
	Status                    int
	Message                   string
	InputTokens, OutputTokens int

	// Found reports that the message had at least one directive; Rest is
	// the message without its directive lines, trimmed.
	Found bool
	Rest  string
}

// directives are the known directive names; a line starting with "/"
// followed by another word is plain text.
var directives = []string{"tool", "sleep", "fail", "stream", "usage", "say"}

// Parse reads the directives of a message. A directive is a line whose
// first word is "/tool", "/sleep", "/fail", "/stream", "/usage" or "/say";
// leading blanks are allowed. Errors name the line, counted from 1.
func Parse(text string) (Directives, error) {
	var d Directives
	var rest []string
	seen := make(map[string]int)
	for i, line := range strings.Split(text, "\n") {
		name, arg, ok := cutDirective(line)
		if !ok {
			rest = append(rest, line)
			continue
		}
		n := i + 1
		if prev, dup := seen[name]; dup && name != "tool" && name != "say" {
			return Directives{}, fmt.Errorf("line %d: /%s given twice (first on line %d)", n, name, prev)
		}
		seen[name] = n
		d.Found = true
		if err := d.apply(name, arg); err != nil {
			return Directives{}, fmt.Errorf("line %d: /%s: %w", n, name, err)
		}
	}
	d.Rest = strings.TrimSpace(strings.Join(rest, "\n"))
	return d, nil
}

// cutDirective splits a directive line into its name and argument text.
func cutDirective(line string) (name, arg string, ok bool) {
	line = strings.TrimRight(strings.TrimLeft(line, " \t"), "\r")
	word, ok := strings.CutPrefix(line, "/")
	if !ok {
		return "", "", false
	}
	if i := strings.IndexAny(word, " \t"); i >= 0 {
		word, arg = word[:i], word[i+1:]
	}
	for _, known := range directives {
		if word == known {
			return word, strings.TrimSpace(arg), true
		}
	}
	return "", "", false
}

// apply records one directive.
func (d *Directives) apply(name, arg string) error {
	switch name {
	case "tool":
		tc, err := parseTool(arg)
		if err != nil {
			return err
		}
		d.ToolCalls = append(d.ToolCalls, tc)
	case "say":
		if d.HasText {
			d.Text += "\n"
		}
		d.Text += arg
		d.HasText = true
	case "sleep":
		delay, err := parseDelay(arg)
		if err != nil {
			return err
		}
		d.Delay = delay
	case "stream":
		if arg == "" {
			d.ChunkDelay = defaultChunkDelay
			return nil
		}
		delay, err := parseDelay(arg)
		if err != nil {
			return err
		}
		d.ChunkDelay = delay
	case "fail":
		code, msg := arg, ""
		if i := strings.IndexAny(arg, " \t"); i >= 0 {
			code, msg = arg[:i], arg[i+1:]
		}
		status, err := strconv.Atoi(code)
		if err != nil || status < 400 || status > 599 {
			return fmt.Errorf("want an HTTP status from 400 to 599, got %q", code)
		}
		d.Status, d.Message = status, strings.TrimSpace(msg)
	case "usage":
		f := strings.Fields(arg)
		if len(f) != 2 {
			return fmt.Errorf("want two token counts, input and output, got %q", arg)
		}
		in, err1 := strconv.Atoi(f[0])
		out, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || in < 0 || out < 0 {
			return fmt.Errorf("want two non-negative integers, got %q", arg)
		}
		d.InputTokens, d.OutputTokens = in, out
	}
	return nil
}

// parseTool reads "NAME [JSON object]".
func parseTool(arg string) (llm.ToolCall, error) {
	name, args := arg, ""
	if i := strings.IndexAny(arg, " \t"); i >= 0 {
		name, args = arg[:i], arg[i+1:]
	}
	if name == "" {
		return llm.ToolCall{}, fmt.Errorf("want a tool name")
	}
	if !validToolName(name) {
		return llm.ToolCall{}, fmt.Errorf("tool name %q: want letters, digits, '_', '-' or '.'", name)
	}
	raw, err := objectJSON(args)
	if err != nil {
		return llm.ToolCall{}, fmt.Errorf("tool %s: %w", name, err)
	}
	return llm.ToolCall{Name: name, Arguments: raw}, nil
}

// objectJSON checks that s is one JSON object, "{}" when blank, and
// returns it compacted.
func objectJSON(s string) (json.RawMessage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, fmt.Errorf("arguments: want a JSON object: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("arguments: text after the JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return nil, fmt.Errorf("arguments: %w", err)
	}
	return buf.Bytes(), nil
}

// jsonProblem describes a decoding error, or a null object.
func jsonProblem(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// validToolName reports whether name is a plausible tool name.
func validToolName(name string) bool {
	if len(name) > 128 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

// parseDelay reads a Go duration from 0 to maxDelay.
func parseDelay(arg string) (time.Duration, error) {
	delay, err := time.ParseDuration(arg)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 2s or 50ms, got %q", arg)
	}
	if delay < 0 || delay > maxDelay {
		return 0, fmt.Errorf("duration %s: want from 0 to %s", delay, maxDelay)
	}
	return delay, nil
}

// reply turns d into the answer to the message text: its tool calls and
// /say text, or an echo of the message (without its directive lines) when
// it has neither.
func (d Directives) reply(text string) Reply {
	r := Reply{
		Text: d.Text, ToolCalls: d.ToolCalls,
		Delay: d.Delay, ChunkDelay: d.ChunkDelay,
		Status: d.Status, Message: d.Message,
		InputTokens: d.InputTokens, OutputTokens: d.OutputTokens,
	}
	if !d.HasText && len(d.ToolCalls) == 0 {
		if d.Found {
			text = d.Rest
		}
		r.Text = "echo: " + text
	}
	return r
}
