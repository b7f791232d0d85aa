package spec

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"

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

// pairs checks that n is a mapping with string keys and no duplicates,
// calling f for each entry in order.
func (w *walker) pairs(n *yaml.Node, path string, f func(key string, k, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		w.add(n, path, "expected a mapping, got %s", describe(n))
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), n.Content[i+1]
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
