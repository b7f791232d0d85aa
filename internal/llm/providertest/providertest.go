// Package providertest is the conformance suite every llm.Provider must
// pass: Exercise runs the same calls against each provider on a fresh
// llmtest server and checks both what the provider returns and what the
// server received.
package providertest

import (
	"net/http"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// NewProvider returns the provider under test, calling srv, with
// maxRetries as its config's MaxRetries: 0 for the default of 2 retries,
// -1 for none. The provider must be named Spec.Name.
type NewProvider func(t *testing.T, srv *llmtest.Server, maxRetries int) llm.Provider

// Spec is what a provider under test adds to the shared contract: the
// names it gives to shared things, and checks and cases only it has.
type Spec struct {
	Name      string // the provider's name, expected in every *llm.Error
	Protocol  string // the wire protocol it speaks: llmtest.ProtocolOpenAI or ProtocolAnthropic
	StopText  string // the StopReason of a reply that is text only
	StopTools string // the StopReason of a reply that calls tools

	// CheckCall, when set, checks what only this provider sends, such as
	// its auth headers, on every call the suite's servers receive.
	CheckCall func(t *testing.T, c llmtest.Call)
	// ErrorCases run along with the suite's own retry and error cases.
	ErrorCases []ErrorCase
}

// Exercise runs the conformance suite, each case as a parallel subtest
// with its own server and provider.
func Exercise(t *testing.T, spec Spec, newProvider NewProvider) {
	t.Helper()
	s := &suite{spec: spec, newProvider: newProvider}
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"Text", func(t *testing.T, s *suite) { testText(t, s, false) }},
		{"TextStreamed", func(t *testing.T, s *suite) { testText(t, s, true) }},
		{"ToolRoundTrip", func(t *testing.T, s *suite) { testToolRoundTrip(t, s, false) }},
		{"ToolRoundTripStreamed", func(t *testing.T, s *suite) { testToolRoundTrip(t, s, true) }},
		{"Canceled", testCanceled},
		{"BadToolSchema", testBadToolSchema},
		{"Errors", testErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, s)
		})
	}
}

// suite is the provider under test, shared by the cases.
type suite struct {
	spec        Spec
	newProvider NewProvider
}

// setup starts a fake server with handler and returns a provider on it.
func (s *suite) setup(t *testing.T, handler llmtest.Handler, maxRetries int) (llm.Provider, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewTest(t, handler)
	return s.newProvider(t, srv, maxRetries), srv
}

// calls returns the calls srv received, each passed through
// Spec.CheckCall.
func (s *suite) calls(t *testing.T, srv *llmtest.Server) []llmtest.Call {
	t.Helper()
	calls := srv.Calls()
	if s.spec.CheckCall != nil {
		for _, c := range calls {
			s.spec.CheckCall(t, c)
		}
	}
	return calls
}

// testModel is the model name of every request.
const testModel = "test-model"

// request returns a one-turn request, streaming into *deltas when deltas
// is not nil.
func request(text string, deltas *[]string) llm.Request {
	req := llm.Request{
		Model:    testModel,
		System:   "be brief",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: text}},
	}
	if deltas != nil {
		req.OnText = func(d string) { *deltas = append(*deltas, d) }
	}
	return req
}

// streamInto returns a slice for request to stream into when stream is
// set, and nil otherwise.
func streamInto(stream bool) *[]string {
	if !stream {
		return nil
	}
	return new([]string)
}

// Benchmark measures Complete, plain and streamed, from parallel
// goroutines against one echoing server. newProvider returns the provider
// under test calling srv through client.
func Benchmark(b *testing.B, newProvider func(srv *llmtest.Server, client *http.Client) llm.Provider) {
	srv := llmtest.New(llmtest.Echo)
	srv.DiscardCalls = true
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	for _, bc := range []struct {
		name   string
		stream bool
	}{{"json", false}, {"stream", true}} {
		b.Run(bc.name, func(b *testing.B) {
			p := newProvider(srv, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}})
			b.RunParallel(func(pb *testing.PB) {
				req := request("hello there", nil)
				if bc.stream {
					req.OnText = func(string) {}
				}
				for pb.Next() {
					if _, err := p.Complete(b.Context(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
