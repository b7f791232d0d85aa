package providertest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/reefhq/reef/internal/llm"
	"github.com/reefhq/reef/internal/llm/llmtest"
)

// ErrorCase is one call whose first replies are errors: how many calls
// the provider makes, and the *llm.Error it returns, if any.
type ErrorCase struct {
	Name       string
	Handler    llmtest.Handler // the server's replies; Echo once an error stops
	MaxRetries int             // passed to NewProvider
	Stream     bool            // whether the call streams
	WantCalls  int             // calls the server receives, retries included
	WantStatus int             // the *llm.Error's status; 0 for an echoed success
	WantMsg    string          // the *llm.Error's message
}

// errorCases are the retry and error cases every provider shares.
func errorCases() []ErrorCase {
	tooMany := llmtest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "0", ErrorMessage: "slow down"}
	broken := func(llmtest.Call) llmtest.Reply {
		return llmtest.Reply{Status: http.StatusInternalServerError, RetryAfter: "0", ErrorMessage: "kaput"}
	}
	return []ErrorCase{
		{Name: "429 then success", Handler: llmtest.Script(tooMany), WantCalls: 2},
		{Name: "429 then success streamed", Handler: llmtest.Script(tooMany), Stream: true, WantCalls: 2},
		{Name: "429 twice then success", Handler: llmtest.Script(tooMany, tooMany), WantCalls: 3},
		{Name: "429 without retries", Handler: llmtest.Script(tooMany), MaxRetries: -1, WantCalls: 1, WantStatus: 429, WantMsg: "slow down"},
		{Name: "500 persists", Handler: broken, WantCalls: 3, WantStatus: 500, WantMsg: "kaput"},
		{Name: "500 persists streamed", Handler: broken, Stream: true, MaxRetries: 1, WantCalls: 2, WantStatus: 500, WantMsg: "kaput"},
		{Name: "400 not retried", Handler: llmtest.Script(llmtest.Reply{Status: 400, ErrorMessage: "bad tool schema"}), WantCalls: 1, WantStatus: 400, WantMsg: "bad tool schema"},
	}
}

// testErrors runs the shared error cases and Spec.ErrorCases, each as a
// parallel subtest.
func testErrors(t *testing.T, s *suite) {
	for _, tc := range append(errorCases(), s.spec.ErrorCases...) {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			testError(t, s, tc)
		})
	}
}

// testError runs one error case.
func testError(t *testing.T, s *suite, tc ErrorCase) {
	p, srv := s.setup(t, tc.Handler, tc.MaxRetries)
	resp, err := p.Complete(t.Context(), request("hi", streamInto(tc.Stream)))
	if got := len(s.calls(t, srv)); got != tc.WantCalls {
		t.Errorf("calls = %d, want %d", got, tc.WantCalls)
	}
	if tc.WantStatus == 0 {
		if err != nil || resp.Message.Content != "echo: hi" {
			t.Fatalf("Complete = %+v, %v; want echo", resp, err)
		}
		return
	}
	var le *llm.Error
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want *llm.Error", err, err)
	}
	if le.Provider != s.spec.Name || le.Status != tc.WantStatus || le.Message != tc.WantMsg {
		t.Errorf("err = %+v, want provider %s status %d message %q", le, s.spec.Name, tc.WantStatus, tc.WantMsg)
	}
}
