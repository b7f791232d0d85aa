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

// Scalars: each checks a scalar node against a Go kind and returns its
// JSON-compatible value.

func (w *walker) integer(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	var i int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		w.add(n, path, "expected an integer, got %s", describe(n))
		return nil, false
	}
	if reflect.Zero(t).OverflowInt(i) {
		w.add(n, path, "integer %s is out of range", n.Value)
		return nil, false
	}
	return json.Number(strconv.FormatInt(i, 10)), true
}

func (w *walker) unsigned(n *yaml.Node, t reflect.Type, path string) (any, bool) {
	var u uint64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&u) != nil {
		w.add(n, path, "expected a non-negative integer, got %s", describe(n))
		return nil, false
	}
	if reflect.Zero(t).OverflowUint(u) {
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
	before := len(w.problems) + w.dropped
	v := w.generic(n, path, depth)
	b, err := json.Marshal(v)
	if err != nil || len(w.problems)+w.dropped > before {
		return nil, false // generic reported why
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
