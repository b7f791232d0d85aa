package claw

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in the API.
const (
	EINVALID       = "invalid"         // 400: malformed request
	EUNAUTHORIZED  = "unauthorized"    // 401: missing or bad token
	EFORBIDDEN     = "forbidden"       // 403: the token's role does not allow it, or a quota
	ENOTFOUND      = "not_found"       // 404
	ECONFLICT      = "conflict"        // 409: state does not allow it
	ETOOLARGE      = "too_large"       // 413
	EUNPROCESSABLE = "unprocessable"   // 422: well-formed but invalid (a bad spec)
	ERATELIMITED   = "rate_limited"    // 429: over a rate; Error.RetryAfter says when to retry
	EBUDGET        = "budget_exceeded" // 402: a run would spend past a budget
	EINTERNAL      = "internal"        // 500
	EUNAVAILABLE   = "unavailable"     // 503: shutting down, store unreachable
	ETIMEOUT       = "timeout"         // 504: a wait ran out
)

// Error is reef's domain error: a machine-readable code and a message meant
// for the user.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when set, is how long the caller should wait before
	// retrying (HTTP Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
