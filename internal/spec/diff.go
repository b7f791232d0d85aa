package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/claw"
)

// shortString is the length, in characters, past which a string is shown
// shortened in a diff.
const shortString = 60

// Diff describes the change from one spec to the next, one short line per
// changed value, by dotted path and in field order:
//
//	~ model: "openai/gpt-4o" -> "openai/gpt-4.1"
//	+ tools: [echo]
//	- limits.max_steps: 10
//	~ instructions: (changed, 120 -> 340 chars)
//
// It compares the specs' JSON forms, so it covers fields added later. It
// returns nil when the specs are the same.
func Diff(from, to claw.Spec) []string {
	a, errA := orderedJSON(from)
	b, errB := orderedJSON(to)
	if errA != nil || errB != nil {
		return []string{"~ (specs cannot be compared)"}
	}
	var out []string
	diffValues(&out, "", a, b, true, true)
	return out
}

// object is a JSON object that keeps its keys in order.
type object []member

type member struct {
	key string
	val any
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// orderedJSON marshals v and reads it back keeping object keys in order:
// object, []any, string, json.Number, bool or nil.
func orderedJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return readOrdered(dec)
}

func readOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readOrdered(dec)
			if err != nil {
				return nil, err
			}
			o = append(o, member{key: k.(string), val: v})
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		l := []any{}
		for dec.More() {
			v, err := readOrdered(dec)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := dec.Token()
		return l, err
	}
	return tok, nil
}

// diffValues appends the lines for path, where a and b are present when
// aok and bok. Objects are compared key by key; anything else as a whole.
func diffValues(out *[]string, path string, a, b any, aok, bok bool) {
	ao, aObj := a.(object)
	bo, bObj := b.(object)
	switch {
	case aok && bok && aObj && bObj:
		for _, key := range unionKeys(ao, bo) {
			av, ak := ao.get(key)
			bv, bk := bo.get(key)
			diffValues(out, JoinPath(path, key), av, bv, ak, bk)
		}
	case aok && !bok && aObj:
		diffValues(out, path, a, object{}, true, true)
	case !aok && bok && bObj:
		diffValues(out, path, object{}, b, true, true)
	case aok && !bok:
		*out = append(*out, fmt.Sprintf("- %s: %s", path, format(a)))
	case !aok && bok:
		*out = append(*out, fmt.Sprintf("+ %s: %s", path, format(b)))
	case aok && bok && !reflect.DeepEqual(a, b):
		as, aStr := a.(string)
		bs, bStr := b.(string)
		if aStr && bStr && (long(as) || long(bs)) {
			*out = append(*out, fmt.Sprintf("~ %s: (changed, %d -> %d chars)", path,
				utf8.RuneCountInString(as), utf8.RuneCountInString(bs)))
			return
		}
		*out = append(*out, fmt.Sprintf("~ %s: %s -> %s", path, format(a), format(b)))
	}
}

// unionKeys lists the keys of a and b, merged keeping both orders (which
// agree, as both come from the same Go type).
func unionKeys(a, b object) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i >= len(a):
			add(b[j].key)
			j++
		case j >= len(b):
			add(a[i].key)
			i++
		case a[i].key == b[j].key:
			add(a[i].key)
			i, j = i+1, j+1
		default:
			if _, inA := a.get(b[j].key); !inA {
				add(b[j].key)
				j++
			} else {
				add(a[i].key)
				i++
			}
		}
	}
	return keys
}

func long(s string) bool {
	return utf8.RuneCountInString(s) > shortString || strings.ContainsAny(s, "\n\r")
}

// format renders a value for a diff line: strings quoted (long ones cut),
// lists as [a, b], objects as {k: v}.
func format(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if !long(v) {
			return strconv.Quote(v)
		}
		r := []rune(v)
		cut := string(r[:min(len(r), shortString)])
		if i := strings.IndexAny(cut, "\r\n"); i >= 0 {
			cut = cut[:i]
		}
		return fmt.Sprintf("%s... (%d chars)", strconv.Quote(cut), len(r))
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			if s, ok := item.(string); ok && plainKey(s) {
				items[i] = s
			} else {
				items[i] = format(item)
			}
		}
		return "[" + strings.Join(items, ", ") + "]"
	case object:
		items := make([]string, len(v))
		for i, m := range v {
			items[i] = m.key + ": " + format(m.val)
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return fmt.Sprint(v)
}
