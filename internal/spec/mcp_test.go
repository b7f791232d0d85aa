package spec_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestParseMCP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []claw.MCPServer
		errs []string // substrings of the error, in order
	}{
		{
			name: "stdio and http",
			in: `name: a
model: a/b
mcp:
  - name: everything
    command: npx
    args: ["-y", "@modelcontextprotocol/server-everything"]
    env: {DEBUG: "1"}
    timeout: 5s
  - name: remote-api
    url: https://mcp.example.com/mcp
    headers: {Authorization: "Bearer x"}
limits:
  max_hops: 2
`,
			want: []claw.MCPServer{
				{Name: "everything", Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-everything"}, Env: map[string]string{"DEBUG": "1"}, Timeout: claw.Duration(5 * time.Second)},
				{Name: "remote-api", URL: "https://mcp.example.com/mcp", Headers: map[string]string{"Authorization": "Bearer x"}},
			},
		},
		{name: "neither", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n", errs: []string{"mcp[0]: needs a command"}},
		{name: "both", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    command: y\n    url: http://h/\n", errs: []string{"exactly one"}},
		{name: "no name", in: "name: a\nmodel: a/b\nmcp:\n  - command: y\n", errs: []string{"mcp[0].name: is required"}},
		{name: "underscore name", in: "name: a\nmodel: a/b\nmcp:\n  - name: my_srv\n    command: y\n", errs: []string{"mcp[0].name: must be"}},
		{name: "duplicate", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    command: y\n  - name: x\n    command: z\n", errs: []string{"duplicate server \"x\" (also mcp[0])"}},
		{name: "bad url", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    url: ftp://h/\n", errs: []string{"mcp[0].url: must be an absolute http"}},
		{name: "headers on stdio", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    command: y\n    headers: {A: b}\n", errs: []string{"mcp[0].headers: apply only"}},
		{name: "env on url", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    url: http://h/\n    env: {A: b}\n", errs: []string{"args and env apply only"}},
		{name: "bad env name", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    command: y\n    env: {\"A-B\": b}\n", errs: []string{"invalid variable name"}},
		{name: "timeout range", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    command: y\n    timeout: 2h\n", errs: []string{"mcp[0].timeout: must be between"}},
		{name: "hops range", in: "name: a\nmodel: a/b\nlimits: {max_hops: 100}\n", errs: []string{"limits.max_hops: must be between 1 and 64"}},
		{name: "unknown key", in: "name: a\nmodel: a/b\nmcp:\n  - name: x\n    comand: y\n", errs: []string{`unknown key "comand"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := spec.Parse([]byte(tt.in))
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if !reflect.DeepEqual(s.MCP, tt.want) {
					t.Fatalf("mcp = %+v, want %+v", s.MCP, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded, want errors %q", tt.errs)
			}
			msg := err.Error()
			for _, e := range tt.errs {
				i := strings.Index(msg, e)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, e)
				}
				msg = msg[i+len(e):]
			}
		})
	}
}
