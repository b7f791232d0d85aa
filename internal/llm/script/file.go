package script

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/reefhq/reef/internal/llm"
)

// Rule is a canned reply: when the latest user message contains Contains
// (or matches Regexp, when set), the answer is that of the rule's
// directives instead of the message's own.
type Rule struct {
	Contains string
	Regexp   *regexp.Regexp
	Line     int // the rule's line in its script file, 0 when built in code

	answer Directives
}

// NewRule returns a rule answering messages that contain substr (or match
// re, when not nil) with text and tool calls; an empty text with tool calls
// means no text.
func NewRule(substr string, re *regexp.Regexp, text string, calls ...llm.ToolCall) Rule {
	return Rule{Contains: substr, Regexp: re, answer: Directives{Text: text, HasText: text != "" || len(calls) == 0, ToolCalls: calls}}
}

// matches reports whether the rule answers the message text.
func (r Rule) matches(text string) bool {
	if r.Regexp != nil {
		return r.Regexp.MatchString(text)
	}
	return strings.Contains(text, r.Contains)
}

// LoadFile reads a script file (see ParseFile) and returns an engine with
// its rules.
func LoadFile(path string) (*Engine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	rules, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("parse script %s: %w", path, err)
	}
	return New(rules...), nil
}

// ParseFile reads the rules of a script file, YAML or JSON:
//
//	rules:
//	  - match: hello            # a substring of the message, or
//	    regexp: "(?i)^hi\\b"    # a regular expression (one of the two)
//	    reply: Hi there.        # a text, and/or
//	    tools:                  # tool calls of one response
//	      - name: shell
//	        args: {command: ls}
//	    script: "/say hi"       # or directive lines instead of reply and tools
//
// Unknown keys, wrong types and missing or conflicting fields are errors
// that name their line.
func ParseFile(data []byte) ([]Rule, error) {
	doc, err := unmarshal(data)
	if err != nil {
		return nil, err // yaml.v3 errors name a line
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, errors.New("empty script: want a mapping with a rules list")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, lineErr(root, "want a mapping with a rules list")
	}
	if err := noDuplicates(root); err != nil {
		return nil, err
	}
	var rulesNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if key.Value != "rules" {
			return nil, lineErr(key, "unknown key %q: want rules", key.Value)
		}
		rulesNode = val
	}
	if rulesNode == nil {
		return nil, lineErr(root, "no rules")
	}
	if rulesNode.Kind != yaml.SequenceNode {
		return nil, lineErr(rulesNode, "rules: want a list")
	}
	rules := make([]Rule, 0, len(rulesNode.Content))
	for i, n := range rulesNode.Content {
		r, err := parseRule(n)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// unmarshal parses data into a node tree, turning a panic inside yaml.v3
// into an error.
func unmarshal(data []byte) (doc yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	err = yaml.Unmarshal(data, &doc)
	return doc, err
}

// lineErr is an error at n's line.
func lineErr(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", n.Line, fmt.Sprintf(format, args...))
}

// noDuplicates fails when the mapping n repeats a key.
func noDuplicates(n *yaml.Node) error {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if seen[key.Value] {
			return lineErr(key, "key %q given twice", key.Value)
		}
		seen[key.Value] = true
	}
	return nil
}

// scalar returns the string value of a scalar node.
func scalar(key, val *yaml.Node) (string, error) {
	if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
		return "", lineErr(val, "%s: want a string", key.Value)
	}
	return val.Value, nil
}

// parseRule reads one rule mapping.
func parseRule(n *yaml.Node) (Rule, error) {
	if n.Kind != yaml.MappingNode {
		return Rule{}, lineErr(n, "want a mapping with match or regexp")
	}
	if err := noDuplicates(n); err != nil {
		return Rule{}, err
	}
	r := Rule{Line: n.Line}
	var hasMatch, hasReply, hasTools, hasScript bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch key.Value {
		case "match", "regexp", "reply", "script":
			s, err := scalar(key, val)
			if err != nil {
				return Rule{}, err
			}
			switch key.Value {
			case "match":
				if s == "" {
					return Rule{}, lineErr(val, "match: want a non-empty string")
				}
				r.Contains, hasMatch = s, true
			case "regexp":
				re, err := regexp.Compile(s)
				if err != nil {
					return Rule{}, lineErr(val, "regexp: %v", err)
				}
				r.Regexp = re
			case "reply":
				r.answer.Text, r.answer.HasText, hasReply = s, true, true
			case "script":
				d, err := Parse(s)
				if err != nil {
					return Rule{}, lineErr(val, "script: %v", err)
				}
				if !d.Found {
					return Rule{}, lineErr(val, "script: no directive; use reply for a plain text")
				}
				r.answer, hasScript = d, true
			}
		case "tools":
			calls, err := parseTools(val)
			if err != nil {
				return Rule{}, err
			}
			r.answer.ToolCalls, hasTools = calls, true
		default:
			return Rule{}, lineErr(key, "unknown key %q: want match, regexp, reply, tools or script", key.Value)
		}
	}
	switch {
	case hasMatch == (r.Regexp != nil):
		return Rule{}, lineErr(n, "want exactly one of match and regexp")
	case hasScript && (hasReply || hasTools):
		return Rule{}, lineErr(n, "script excludes reply and tools")
	case !hasScript && !hasReply && !hasTools:
		return Rule{}, lineErr(n, "want reply, tools or script")
	}
	return r, nil
}

// parseTools reads a list of {name, args} tool calls.
func parseTools(n *yaml.Node) ([]llm.ToolCall, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, lineErr(n, "tools: want a non-empty list")
	}
	calls := make([]llm.ToolCall, 0, len(n.Content))
	for _, t := range n.Content {
		if t.Kind != yaml.MappingNode {
			return nil, lineErr(t, "tool: want a mapping with name and args")
		}
		if err := noDuplicates(t); err != nil {
			return nil, err
		}
		tc := llm.ToolCall{Arguments: json.RawMessage("{}")}
		for i := 0; i+1 < len(t.Content); i += 2 {
			key, val := t.Content[i], t.Content[i+1]
			switch key.Value {
			case "name":
				s, err := scalar(key, val)
				if err != nil {
					return nil, err
				}
				if s == "" || !validToolName(s) {
					return nil, lineErr(val, "name %q: want letters, digits, '_', '-' or '.'", s)
				}
				tc.Name = s
			case "args":
				if val.Kind != yaml.MappingNode {
					return nil, lineErr(val, "args: want a mapping")
				}
				var v map[string]any
				if err := val.Decode(&v); err != nil {
					return nil, lineErr(val, "args: %v", err)
				}
				b, err := json.Marshal(v)
				if err != nil {
					return nil, lineErr(val, "args: %v", err)
				}
				tc.Arguments = b
			default:
				return nil, lineErr(key, "unknown key %q: want name or args", key.Value)
			}
		}
		if tc.Name == "" {
			return nil, lineErr(t, "tool: name is required")
		}
		calls = append(calls, tc)
	}
	return calls, nil
}
