package spec

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/reefhq/reef/internal/claw"
)

// ErrEmptyDocument is in the chain of the error DecodeStrict returns for a
// document with no content (nothing, only comments, or only null).
var ErrEmptyDocument = errors.New("empty document")

// Problem is one thing wrong with a document.
type Problem struct {
	// Line is the 1-based line of the offending node, 0 when unknown.
	Line int `json:"line,omitempty"`
	// Path is the dotted path of the offending value, such as
	// "limits.max_steps" or "tools[2]"; empty for the whole document.
	Path string `json:"path,omitempty"`
	// Message is complete on its own: it names the path where that helps.
	Message string `json:"message"`
}

// String formats the problem as "line N: message".
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return p.Message
}

// problemsError is the error carrying problems. It unwraps to a
// *claw.Error, so claw.ErrorCode and claw.ErrorMessage see it as
// EUNPROCESSABLE.
type problemsError struct {
	err      *claw.Error
	problems []Problem
	cause    error // a sentinel such as ErrEmptyDocument, or nil
}

func (e *problemsError) Error() string { return e.err.Message }

func (e *problemsError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.err, e.cause}
	}
	return []error{e.err}
}

// NewError returns an EUNPROCESSABLE *claw.Error (in the returned error's
// chain) whose message lists the problems one per line, in line order, and
// from which Problems recovers them. It returns nil when there are none.
func NewError(problems []Problem) error {
	return newError(problems, nil)
}

func newError(problems []Problem, cause error) error {
	if len(problems) == 0 {
		return nil
	}
	problems = slices.Clone(problems)
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Compare(lineKey(a.Line), lineKey(b.Line))
	})
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return &problemsError{
		err:      &claw.Error{Code: claw.EUNPROCESSABLE, Message: strings.Join(lines, "\n")},
		problems: problems,
		cause:    cause,
	}
}

// lineKey orders problems without a line last.
func lineKey(line int) int {
	if line <= 0 {
		return math.MaxInt
	}
	return line
}

// Problems returns the problems carried by err, or nil when err carries none.
func Problems(err error) []Problem {
	var pe *problemsError
	if errors.As(err, &pe) {
		return append([]Problem(nil), pe.problems...)
	}
	return nil
}

// Lines maps a value's path, as in Problem.Path, to the 1-based line where
// the document sets it.
type Lines map[string]int

// Line returns the line of path, or of its nearest ancestor the document
// sets, or 0.
func (l Lines) Line(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		path = parentPath(path)
	}
	return 0
}

// Attach returns the problems with Line filled in from l where it is 0.
func (l Lines) Attach(problems []Problem) []Problem {
	out := make([]Problem, len(problems))
	for i, p := range problems {
		if p.Line == 0 {
			p.Line = l.Line(p.Path)
		}
		out[i] = p
	}
	return out
}

// DecodeStrict decodes a YAML or JSON document into out, a non-nil pointer,
// following out's json struct tags and json.Unmarshaler implementations.
// Unlike encoding/json it rejects unknown keys (suggesting the nearest known
// one), duplicate keys, values of the wrong kind, and more than one
// document, and it reports every problem with its line. The error is an
// EUNPROCESSABLE *claw.Error (see NewError and Problems). out is written
// only when the document has no problems; as with encoding/json, fields the
// document does not mention keep their values.
func DecodeStrict(data []byte, out any) error {
	_, err := decode(data, out, false)
	return err
}

// DecodeStrictLines is DecodeStrict that also returns the line of every
// value the document sets, so that the caller's validation can report
// lines too. When the document parses but has problems in its values, it
// returns the lines along with the error and decodes the well-formed
// values into out, so that the caller can validate them and report all
// problems at once; it returns nil lines for any other error.
func DecodeStrictLines(data []byte, out any) (Lines, error) {
	return decode(data, out, true)
}

func decode(data []byte, out any, partial bool) (Lines, error) {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("spec: DecodeStrict needs a non-nil pointer, got %T", out)
	}
	root, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	w := newWalker(rootName(rv.Type().Elem()))
	v, present := w.value(root, rv.Type().Elem(), "", 0)
	ps := w.result()
	if !present || (len(ps) > 0 && !partial) {
		return w.lines, NewError(ps)
	}
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if len(ps) > 0 {
		return w.lines, NewError(ps) // out holds what decoded, if anything
	}
	if err != nil {
		return nil, NewError([]Problem{{Message: jsonErrorMessage(err)}})
	}
	return w.lines, nil
}

// Unrelated returns the problems of later whose paths are not the path of
// a problem in earlier, nor an ancestor or descendant of one: validation
// problems that an earlier decoding problem does not already explain.
func Unrelated(earlier, later []Problem) []Problem {
	var out []Problem
	for _, l := range later {
		related := false
		for _, e := range earlier {
			if e.Path != "" && l.Path != "" && (within(l.Path, e.Path) || within(e.Path, l.Path)) {
				related = true
				break
			}
		}
		if !related {
			out = append(out, l)
		}
	}
	return out
}

// within reports whether path is anc or below it.
func within(path, anc string) bool {
	if !strings.HasPrefix(path, anc) {
		return false
	}
	return len(path) == len(anc) || path[len(anc)] == '.' || path[len(anc)] == '['
}

// rootName names the document in messages such as `unknown key "x" in spec`.
func rootName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return "document"
	}
	return strings.ToLower(t.Name())
}
