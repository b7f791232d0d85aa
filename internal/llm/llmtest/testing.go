package llmtest

import "testing"

// NewTest starts a server with handler on a free loopback port and closes
// it when the test ends.
func NewTest(t testing.TB, handler Handler) *Server {
	t.Helper()
	s := New(handler)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("start llmtest server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
