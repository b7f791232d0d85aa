package spec

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
)

// mcpNameRE is what an MCP server's name may be: it prefixes its tools'
// names (NAME__TOOL), so it holds no '_' and stays short.
var mcpNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// envNameRE is a portable environment variable name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// MaxMCPServers bounds a spec's "mcp" list.
const MaxMCPServers = 32

// validateMCP checks the spec's "mcp" servers and limits.max_hops.
func validateMCP(s claw.Spec) []Problem {
	var ps []Problem
	if h := s.Limits.MaxHops; h < 0 || h > 64 {
		ps = append(ps, problemf("limits.max_hops", "must be between 1 and 64, got %d", h))
	}
	if len(s.MCP) > MaxMCPServers {
		ps = append(ps, problemf("mcp", "at most %d servers, got %d", MaxMCPServers, len(s.MCP)))
	}
	seen := map[string]int{}
	for i, m := range s.MCP {
		path := fmt.Sprintf("mcp[%d]", i)
		switch first, dup := seen[m.Name]; {
		case m.Name == "":
			ps = append(ps, problemf(path+".name", "is required"))
		case !mcpNameRE.MatchString(m.Name):
			ps = append(ps, problemf(path+".name", "must be 1 to 32 lowercase letters, digits or hyphens, starting and ending with a letter or digit (%s), got %s", mcpNameRE, quoteShort(m.Name)))
		case dup:
			ps = append(ps, problemf(path+".name", "duplicate server %q (also mcp[%d])", m.Name, first))
		default:
			seen[m.Name] = i
		}
		switch {
		case m.Command == "" && m.URL == "":
			ps = append(ps, problemf(path, "needs a command (stdio server) or a url (streamable HTTP server)"))
		case m.Command != "" && m.URL != "":
			ps = append(ps, problemf(path, "has both command and url; give exactly one"))
		case m.Command != "":
			if len(m.Headers) > 0 {
				ps = append(ps, problemf(path+".headers", "apply only to a url server"))
			}
			for k := range m.Env {
				if !envNameRE.MatchString(k) {
					ps = append(ps, problemf(path+".env", "invalid variable name %s", quoteShort(k)))
				}
			}
		default:
			if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				ps = append(ps, problemf(path+".url", "must be an absolute http or https URL, got %s", quoteShort(m.URL)))
			}
			if len(m.Args) > 0 || len(m.Env) > 0 {
				ps = append(ps, problemf(path, "args and env apply only to a command server"))
			}
			for k, v := range m.Headers {
				if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(v, "\r\n") {
					ps = append(ps, problemf(path+".headers", "invalid header %s", quoteShort(k)))
				}
			}
		}
		if d := m.Timeout.Std(); d != 0 && (d < 100*time.Millisecond || d > time.Hour) {
			ps = append(ps, problemf(path+".timeout", "must be between 100ms and 1h, got %s", d))
		}
	}
	return ps
}

// normalizeMCP makes empty lists and maps of the "mcp" key unset, as
// their absence is the same spec.
func normalizeMCP(s *claw.Spec) {
	if len(s.MCP) == 0 {
		s.MCP = nil
	}
	for i := range s.MCP {
		m := &s.MCP[i]
		if len(m.Args) == 0 {
			m.Args = nil
		}
		if len(m.Env) == 0 {
			m.Env = nil
		}
		if len(m.Headers) == 0 {
			m.Headers = nil
		}
	}
}
