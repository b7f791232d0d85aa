package spec

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Bounds on a walk, against documents built to exhaust memory or time
// (aliases make a small document a deep or wide tree).
const (
	maxDepth    = 64
	maxNodes    = 1 << 18
	maxProblems = 50
)

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// walker checks a yaml.Node tree against a Go type and builds the
// JSON-compatible value (map[string]any, []any, string, json.Number, bool,
// nil) that encoding/json then decodes.
type walker struct {
	root     string // the document's name in messages: "spec", "config"
	problems []Problem
	dropped  int // problems beyond maxProblems
	lines    Lines
	nodes    int
	fields   map[reflect.Type][]field
}

func newWalker(root string) *walker {
	return &walker{root: root, lines: Lines{}, fields: map[reflect.Type][]field{}}
}

// result returns the problems, with a last one counting any left out.
func (w *walker) result() []Problem {
	if w.dropped > 0 {
		return append(w.problems, Problem{Message: fmt.Sprintf("and %d more problems", w.dropped)})
	}
	return w.problems
}

// add records a problem whose message is prefixed with its path.
func (w *walker) add(n *yaml.Node, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	w.addRaw(n.Line, path, msg)
}

func (w *walker) addRaw(line int, path, msg string) {
	if len(w.problems) >= maxProblems {
		w.dropped++
		return
	}
	w.problems = append(w.problems, Problem{Line: line, Path: path, Message: msg})
}

// in names a mapping in messages: its path, or the document's name.
func (w *walker) in(path string) string {
	if path == "" {
		return w.root
	}
	return path
}

// value checks n against t. present is false when n is null and t is not
// nullable, so that the caller leaves the field out (as if not present).
func (w *walker) value(n *yaml.Node, t reflect.Type, path string, depth int) (v any, present bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth <= maxDepth {
		n, depth = n.Alias, depth+1
	}
	w.nodes++
	if depth > maxDepth || w.nodes > maxNodes {
		if w.nodes <= maxNodes+1 {
			w.add(n, path, "document is nested too deeply or too large")
		}
		return nil, false
	}
	if isNull(n) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
			return nil, true
		}
		return nil, false
	}
	if t.Kind() == reflect.Pointer {
		return w.value(n, t.Elem(), path, depth)
	}
	if t.Kind() == reflect.Interface {
		return w.generic(n, path, depth), true
	}
	if t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return w.unmarshaler(n, t, path, depth)
	}
	if t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return w.text(n, t, path)
	}
	switch t.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			w.add(n, path, "expected a string, got %s", describe(n))
			return nil, false
		}
		return n.Value, true
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			w.add(n, path, "expected a boolean (true or false), got %s", describe(n))
			return nil, false
		}
		return b, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return w.integer(n, t, path)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return w.unsigned(n, t, path)
	case reflect.Float32, reflect.Float64:
		return w.float(n, t, path)
	case reflect.Struct:
		return w.structure(n, t, path, depth)
	case reflect.Map:
		return w.mapping(n, t, path, depth)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if n.Kind != yaml.ScalarNode {
				w.add(n, path, "expected a base64 string, got %s", describe(n))
				return nil, false
			}
			return n.Value, true
		}
		return w.sequence(n, t, path, depth)
	}
	w.add(n, path, "cannot decode into Go type %s", t)
	return nil, false
}

func (w *walker) integer(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	var i int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		w.add(n, path, "expected an integer, got %s", describe(n))
		return nil, false
	}
	if n.Decode(&i) != nil || reflect.Zero(t).OverflowInt(i) {
		w.add(n, path, "integer %s is out of range", n.Value)
		return nil, false
	}
	return json.Number(strconv.FormatInt(i, 10)), true
}

func (w *walker) unsigned(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	var i int64
	var u uint64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || (n.Decode(&i) == nil && i < 0) {
		w.add(n, path, "expected a non-negative integer, got %s", describe(n))
		return nil, false
	}
	if n.Decode(&u) != nil || reflect.Zero(t).OverflowUint(u) {
		w.add(n, path, "integer %s is out of range", n.Value)
		return nil, false
	}
	return json.Number(strconv.FormatUint(u, 10)), true
}

func (w *walker) float(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	var f float64
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
		w.add(n, path, "expected a number, got %s", describe(n))
		return nil, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || reflect.Zero(t).OverflowFloat(f) {
		w.add(n, path, "number %s is out of range", n.Value)
		return nil, false
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}

// unmarshaler checks n by handing it, as JSON, to t's UnmarshalJSON, so
// that types such as claw.Duration report their own problems.
func (w *walker) unmarshaler(n *yaml.Node, t reflect.Type, path string, depth int) (any, bool) {
	v := w.generic(n, path, depth)
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false // generic already reported why
	}
	u := reflect.New(t).Interface().(json.Unmarshaler)
	if err := u.UnmarshalJSON(b); err != nil {
		w.add(n, path, "%s", jsonErrorMessage(err))
		return nil, false
	}
	return v, true
}

// text checks a scalar with t's UnmarshalText, as encoding/json would.
func (w *walker) text(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		w.add(n, path, "expected a string, got %s", describe(n))
		return nil, false
	}
	u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		w.add(n, path, "%s", jsonErrorMessage(err))
		return nil, false
	}
	return n.Value, true
}

// pairs checks that n is a mapping with string keys and no duplicates,
// calling f for each entry in order.
func (w *walker) pairs(n *yaml.Node, path string, f func(key string, k, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		w.add(n, path, "expected a mapping, got %s", describe(n))
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			w.addRaw(k.Line, path, fmt.Sprintf("keys in %s must be strings, got %s", w.in(path), describe(k)))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.addRaw(k.Line, JoinPath(path, k.Value), fmt.Sprintf("duplicate key %q in %s (first at line %d)", k.Value, w.in(path), first))
			continue
		}
		seen[k.Value] = k.Line
		f(k.Value, k, v)
	}
	return true
}

func (w *walker) structure(n *yaml.Node, t reflect.Type, path string, depth int) (any, bool) {
	fields := w.fieldsOf(t)
	out := make(map[string]any, len(n.Content)/2)
	ok := w.pairs(n, path, func(key string, k, v *yaml.Node) {
		p := JoinPath(path, key)
		f, found := lookupField(fields, key)
		if !found {
			msg := fmt.Sprintf("unknown key %q in %s", key, w.in(path))
			if k.ShortTag() == "!!merge" {
				msg = fmt.Sprintf("merge keys (<<) are not supported, in %s", w.in(path))
			} else if s := suggest(key, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			w.addRaw(k.Line, p, msg)
			return
		}
		w.lines[p] = k.Line
		val, present := w.value(v, f.typ, p, depth+1)
		if !present {
			return
		}
		if f.quoted && val != nil {
			// A ",string" field: encoding/json wants the value's JSON text as a string.
			if b, err := json.Marshal(val); err == nil {
				val = string(b)
			}
		}
		out[key] = val
	})
	if !ok {
		return nil, false
	}
	return out, true
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string, depth int) (any, bool) {
	if t.Key().Kind() != reflect.String {
		w.add(n, path, "cannot decode into Go type %s (keys must be strings)", t)
		return nil, false
	}
	out := make(map[string]any, len(n.Content)/2)
	ok := w.pairs(n, path, func(key string, k, v *yaml.Node) {
		p := JoinPath(path, key)
		w.lines[p] = k.Line
		if val, present := w.value(v, t.Elem(), p, depth+1); present {
			out[key] = val
		} else if isNull(resolveAlias(v)) {
			out[key] = zeroJSON(t.Elem())
		}
	})
	if !ok {
		return nil, false
	}
	return out, true
}

func (w *walker) sequence(n *yaml.Node, t reflect.Type, path string, depth int) (any, bool) {
	if n.Kind != yaml.SequenceNode {
		w.add(n, path, "expected a list, got %s", describe(n))
		return nil, false
	}
	if t.Kind() == reflect.Array && len(n.Content) > t.Len() {
		w.add(n, path, "expected at most %d items, got %d", t.Len(), len(n.Content))
		return nil, false
	}
	out := make([]any, 0, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		w.lines[p] = item.Line
		val, present := w.value(item, t.Elem(), p, depth+1)
		if !present && isNull(resolveAlias(item)) {
			val = zeroJSON(t.Elem())
		}
		out = append(out, val)
	}
	return out, true
}

// generic converts any node to a JSON-compatible value, for interface
// fields and json.Unmarshaler types.
func (w *walker) generic(n *yaml.Node, path string, depth int) any {
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth <= maxDepth {
		n, depth = n.Alias, depth+1
	}
	w.nodes++
	if depth > maxDepth || w.nodes > maxNodes {
		if w.nodes <= maxNodes+1 {
			w.add(n, path, "document is nested too deeply or too large")
		}
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		w.pairs(n, path, func(key string, _, v *yaml.Node) {
			out[key] = w.generic(v, JoinPath(path, key), depth+1)
		})
		return out
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, w.generic(item, fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
		return out
	case yaml.ScalarNode:
		return w.scalar(n, path)
	}
	w.add(n, path, "unexpected YAML node")
	return nil
}

// scalar converts a scalar by its resolved tag.
func (w *walker) scalar(n *yaml.Node, path string) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		var u uint64
		switch {
		case n.Decode(&i) == nil:
			return json.Number(strconv.FormatInt(i, 10))
		case n.Decode(&u) == nil:
			return json.Number(strconv.FormatUint(u, 10))
		}
		return w.genericFloat(n, path)
	case "!!float":
		return w.genericFloat(n, path)
	}
	return n.Value
}

// resolveAlias follows aliases, a bounded number of times.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

// genericFloat converts a number that fits no integer type. yaml.v3 would
// truncate a float decoded into an integer, so floats go only here.
func (w *walker) genericFloat(n *yaml.Node, path string) any {
	var f float64
	if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	w.add(n, path, "number %s cannot be represented", n.Value)
	return nil
}

// zeroJSON is the JSON form of t's zero value, used where a list item or
// map value is null.
func zeroJSON(t reflect.Type) any {
	b, err := json.Marshal(reflect.Zero(t).Interface())
	if err != nil {
		return nil
	}
	return json.RawMessage(b)
}

// describe names what a node is, for "expected X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!int", "!!float", "!!bool":
		return n.Value
	}
	v := n.Value
	if r := []rune(v); len(r) > 40 {
		v = string(r[:40]) + "..."
	}
	return strconv.Quote(v)
}
