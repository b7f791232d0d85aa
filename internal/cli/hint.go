package cli

import (
	"errors"
	"strings"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
)

// hintError is an error with what to do next.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + "\n" + e.hint }
func (e *hintError) Unwrap() error { return e.err }

// withHint adds to a node's answer what a person can do about it, where
// there is something to do.
func withHint(err error) error {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var hint string
	switch apiErr.Code {
	case claw.EUNAUTHORIZED:
		hint = "check --token or $REEF_TOKEN, or --data / $REEF_DATA: the node's first start wrote its admin token to DATA/admin.token"
	case claw.ENOTFOUND:
		if strings.HasPrefix(apiErr.Message, "claw ") {
			hint = "'reef claws' lists the claws; 'reef apply -f FILE' creates one"
		}
	case claw.EUNAVAILABLE:
		hint = "the node is starting, stopping or short of disk: see its log, and 'reef doctor'"
	}
	if hint == "" {
		return err
	}
	return &hintError{err: err, hint: "hint: " + hint}
}
