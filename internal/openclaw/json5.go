package openclaw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// ToJSON converts the JSON5 that OpenClaw writes its config in (comments,
// trailing commas, unquoted keys, single-quoted strings) to JSON. It does
// not validate: the JSON decoder reports what remains wrong.
func ToJSON(src []byte) ([]byte, error) {
	var out bytes.Buffer
	s := string(src)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment at byte %d", i)
			}
			i += end + 4
		case c == '"' || c == '\'':
			str, n, err := readString(s[i:])
			if err != nil {
				return nil, fmt.Errorf("at byte %d: %w", i, err)
			}
			b, _ := json.Marshal(str)
			out.Write(b)
			i += n
		case c == ',':
			// Drop a trailing comma: the next significant byte closes.
			j := skipSpace(s, i+1)
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				i++
				continue
			}
			out.WriteByte(c)
			i++
		case isIdentStart(rune(c)):
			j := i
			for j < len(s) && isIdentPart(rune(s[j])) {
				j++
			}
			word := s[i:j]
			k := skipSpace(s, j)
			switch {
			case k < len(s) && s[k] == ':':
				b, _ := json.Marshal(word)
				out.Write(b)
			case word == "Infinity" || word == "NaN":
				return nil, fmt.Errorf("at byte %d: %s has no JSON form", i, word)
			default:
				out.WriteString(word) // true, false, null
			}
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes(), nil
}

// skipSpace returns the index of the next byte after i that is neither
// white space nor inside a comment.
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return len(s)
			}
			i += end + 4
		default:
			return i
		}
	}
	return i
}

// readString reads a quoted string at the start of s and returns its
// value and length.
func readString(s string) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string")
			}
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '0':
				b.WriteByte(0)
			case '\n':
				// a line continuation
			case 'u':
				if i+4 >= len(s) {
					return "", 0, fmt.Errorf("bad \\u escape")
				}
				var r rune
				if _, err := fmt.Sscanf(s[i+1:i+5], "%04x", &r); err != nil {
					return "", 0, fmt.Errorf("bad \\u escape")
				}
				b.WriteRune(r)
				i += 4
			default:
				b.WriteByte(e)
			}
		case c == '\n':
			return "", 0, fmt.Errorf("newline in string")
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

func isIdentStart(r rune) bool { return r == '_' || r == '$' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool { return isIdentStart(r) || unicode.IsDigit(r) }
