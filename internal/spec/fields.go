package spec

import (
	"reflect"
	"strconv"
	"strings"
)

// field is one key a struct accepts, named as encoding/json names it.
type field struct {
	name   string
	typ    reflect.Type
	quoted bool // the ",string" option
	depth  int  // embedding depth, for encoding/json's dominance rule
	tagged bool // named by a json tag
}

// fieldsOf returns t's JSON fields in declaration order, following
// encoding/json: exported fields, json tag names, "-" skipped, fields of
// untagged embedded structs promoted unless a shallower field has the name.
func (w *walker) fieldsOf(t reflect.Type) []field {
	if fs, ok := w.fields[t]; ok {
		return fs
	}
	var all []field
	collectFields(t, 0, map[reflect.Type]bool{}, &all)
	// Keep, for each name, the dominant field: the shallowest, and among
	// equally shallow ones the only tagged one; drop ambiguous names.
	var out []field
	for i, f := range all {
		dominant, ambiguous := true, false
		for j, g := range all {
			if i == j || g.name != f.name {
				continue
			}
			switch {
			case g.depth < f.depth, g.depth == f.depth && g.tagged && !f.tagged:
				dominant = false
			case g.depth == f.depth && g.tagged == f.tagged:
				ambiguous = true
			}
		}
		if dominant && !ambiguous {
			out = append(out, f)
		}
	}
	w.fields[t] = out
	return out
}

func collectFields(t reflect.Type, depth int, visiting map[reflect.Type]bool, out *[]field) {
	if visiting[t] {
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
			if name == "" && ft.Kind() == reflect.Struct {
				collectFields(ft, depth+1, visiting, out)
				continue
			}
			ft = sf.Type
		} else if !sf.IsExported() {
			continue
		}
		f := field{name: name, typ: ft, depth: depth, tagged: name != ""}
		if f.name == "" {
			f.name = sf.Name
		}
		for opt := range strings.SplitSeq(opts, ",") {
			if opt == "string" {
				switch ft.Kind() {
				case reflect.Bool, reflect.String,
					reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
					reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
					reflect.Float32, reflect.Float64:
					f.quoted = true
				}
			}
		}
		*out = append(*out, f)
	}
}

func lookupField(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// suggest returns the field name nearest to key, if near enough to be a
// likely typo: within an edit distance of 2, or of a third of its length.
func suggest(key string, fields []field) string {
	best, bestDist := "", -1
	lk := strings.ToLower(key)
	for _, f := range fields {
		d := levenshtein(lk, strings.ToLower(f.name))
		limit := max(2, len([]rune(f.name))/3)
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = f.name, d
		}
	}
	return best
}

// levenshtein returns the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// JoinPath appends key to a dotted path as Problem.Path and Lines spell
// it: "limits" + "max_steps" is "limits.max_steps"; keys that are not plain
// words are bracketed and quoted, as in providers["my.host"].
func JoinPath(parent, key string) string {
	if !plainKey(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parentPath drops the last element of a path: "a.b" -> "a",
// "a[2]" -> "a", `a["x.y"]` -> "a".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		// Find the "[" that opens the last element, skipping any inside a
		// quoted key.
		if strings.HasSuffix(path, `"]`) {
			for i := strings.LastIndex(path, `["`); i >= 0; i = strings.LastIndex(path[:i], `["`) {
				if _, err := strconv.Unquote(path[i+1 : len(path)-1]); err == nil {
					return path[:i]
				}
			}
		}
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
