package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/reefhq/reef/internal/claw"
)

// parserProblems are the problems yaml.v3's parser (as opposed to its
// scanner) reports; it gives them the 0-based line of the construct they
// are about, its scanner's a 1-based one.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// yamlErrorRE matches yaml.v3 syntax errors that carry a line.
var yamlErrorRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument returns the root node of the single document in data.
// Valid JSON is read with encoding/json, as yaml.v3 does not accept every
// JSON string escape.
func parseDocument(data []byte) (*yaml.Node, error) {
	if json.Valid(data) {
		n, err := jsonNode(data)
		if err != nil {
			return nil, NewError([]Problem{{Message: "invalid JSON: " + err.Error()}})
		}
		if isNull(n) {
			return nil, newError([]Problem{{Message: ErrEmptyDocument.Error()}}, ErrEmptyDocument)
		}
		return n, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, newError([]Problem{{Message: ErrEmptyDocument.Error()}}, ErrEmptyDocument)
		}
		return nil, NewError([]Problem{yamlProblem(err)})
	}
	for {
		// Later documents are an error unless empty, as after a trailing "---".
		var next yaml.Node
		err := safeDecode(dec, &next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, NewError([]Problem{yamlProblem(err)})
		}
		if !isEmptyDocument(&next) {
			return nil, NewError([]Problem{{Line: next.Content[0].Line, Message: "more than one document (---); expected exactly one"}})
		}
	}
	if isEmptyDocument(&doc) {
		return nil, newError([]Problem{{Message: ErrEmptyDocument.Error()}}, ErrEmptyDocument)
	}
	return doc.Content[0], nil
}

// safeDecode runs dec.Decode, turning a panic inside yaml.v3 into an error.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

func isEmptyDocument(doc *yaml.Node) bool {
	return doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0])
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// yamlProblem turns a yaml.v3 error into a problem with its line.
func yamlProblem(err error) Problem {
	msg := err.Error()
	if m := yamlErrorRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++ // yaml.v3 reports its parser's errors (not its scanner's) with a 0-based line
		}
		return Problem{Line: line, Message: "invalid YAML: " + m[2]}
	}
	return Problem{Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// jsonErrorMessage shortens an encoding/json error for users.
func jsonErrorMessage(err error) string {
	var ce *claw.Error
	if errors.As(err, &ce) {
		return ce.Message
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonNode builds a yaml.Node tree from valid JSON, with lines, so that the
// same walk checks both formats.
func jsonNode(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var newlines []int
	for i, c := range data {
		if c == '\n' {
			newlines = append(newlines, i)
		}
	}
	lineAt := func(off int64) int {
		// Lines before off, plus one; tokens never span lines.
		lo, hi := 0, len(newlines)
		for lo < hi {
			mid := (lo + hi) / 2
			if int64(newlines[mid]) < off {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo + 1
	}
	var build func(depth int) (*yaml.Node, error)
	build = func(depth int) (*yaml.Node, error) {
		if depth > maxDepth {
			return nil, errors.New("nested too deeply")
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		n := &yaml.Node{Line: lineAt(dec.InputOffset())}
		switch tok := tok.(type) {
		case json.Delim:
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			if tok == '[' {
				n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
			}
			for dec.More() {
				if n.Kind == yaml.MappingNode {
					k, err := build(depth + 1) // a string token
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, k)
				}
				v, err := build(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return nil, err
			}
		case string:
			n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", tok, yaml.DoubleQuotedStyle
		case json.Number:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", tok.String()
			if strings.ContainsAny(n.Value, ".eE") {
				n.Tag = "!!float"
			}
		case bool:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(tok)
		case nil:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
		}
		return n, nil
	}
	return build(0)
}
