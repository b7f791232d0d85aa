package httpapi

import (
	"strings"
	"testing"
)

func TestParseSessionURI(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		uri, claw, session string
		ok                 bool
	}{
		{"reef://claws/a/sessions", "a", "", true},
		{"reef://claws/a/sessions/main", "a", "main", true},
		{"reef://claws/a/sessions/claw:b", "a", "claw:b", true},
		{"reef://claws/a/sessions/x%2Fy", "a", "x/y", true},
		{"reef://claws/a/sessions/", "", "", false},
		{"reef://claws/a/sessions/a%20b", "", "", false},
		{"reef://claws/a/sessions/%zz", "", "", false},
		{"reef://claws//sessions", "", "", false},
		{"reef://claws/a/memory", "", "", false},
		{"file:///etc/passwd", "", "", false},
	} {
		c, s, ok := parseSessionURI(tt.uri)
		if c != tt.claw || s != tt.session || ok != tt.ok {
			t.Errorf("parseSessionURI(%q) = %q, %q, %v; want %q, %q, %v", tt.uri, c, s, ok, tt.claw, tt.session, tt.ok)
		}
	}
}

// FuzzSessionURI: whatever parses names a valid session, and a session's
// own URI parses back to it.
func FuzzSessionURI(f *testing.F) {
	for _, s := range []string{"reef://claws/a/sessions/main", "reef://claws/a/sessions", "reef://claws/a/sessions/%41", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		c, s, ok := parseSessionURI(uri)
		if !ok {
			return
		}
		if c == "" || strings.Contains(c, "/") {
			t.Fatalf("claw %q from %q", c, uri)
		}
		if s == "" {
			return
		}
		if !sessionOK(s) {
			t.Fatalf("invalid session %q from %q", s, uri)
		}
		c2, s2, ok := parseSessionURI(sessionURI(c, s))
		if !ok || c2 != c || s2 != s {
			t.Fatalf("round trip of %q, %q = %q, %q, %v", c, s, c2, s2, ok)
		}
	})
}

func TestAskToolName(t *testing.T) {
	t.Parallel()
	if got := AskToolName("web-bot-2"); got != "ask_web_bot_2" {
		t.Fatalf("AskToolName = %q", got)
	}
}
