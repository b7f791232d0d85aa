package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Runs stores the runs that answer events and the steps they take.
type Runs interface {
	// BeginRun returns the run of an event, creating it on first call
	// (counting an attempt on every call) together with the user message
	// appended to the session; on a resumed run nothing is appended again.
	BeginRun(ctx context.Context, tenant string, ev claw.Event, specVersion int, user claw.Message) (claw.Run, error)
	// ClaimRun is NextEvent and BeginRun in one transaction: it claims the
	// claw's oldest unfinished event and creates its run, recording the
	// user message and step 1, a call to the spec's model, as started; or
	// it resumes the event's run, counting an attempt. ok is false when
	// the mailbox is empty.
	ClaimRun(ctx context.Context, tenant string, c claw.Claw) (ev claw.Event, run claw.Run, ok bool, err error)
	// RunSteps lists a run's steps in order.
	RunSteps(ctx context.Context, tenant string, runID int64) ([]claw.Step, error)
	// StartStep records a step as started before it happens; its Seq must be
	// the next one of the run (ECONFLICT otherwise).
	StartStep(ctx context.Context, tenant string, s claw.Step) error
	// FinishStep records a step's outcome and, in the same transaction,
	// appends the messages it produced to the session and adds its tokens
	// to the run.
	FinishStep(ctx context.Context, tenant string, s claw.Step, msgs []claw.Message) error
	// FinishRun ends a run and its event in one transaction: the reply and
	// status are set, the last step (when given) is finished with its
	// messages as FinishStep would, an outbox entry is written for each
	// delivery, and the fire of a scheduled event is settled: completed,
	// retrying at a backoff, or dead.
	FinishRun(ctx context.Context, tenant string, f RunEnd) error
	// GetRun returns one run of a claw (ENOTFOUND).
	GetRun(ctx context.Context, ref claw.Ref, id int64) (claw.Run, error)
	// ListRuns returns a claw's most recent runs, newest first.
	ListRuns(ctx context.Context, ref claw.Ref, limit int) ([]claw.Run, error)
}

// RunEnd is how a run ended.
type RunEnd struct {
	RunID   int64
	EventID int64
	Status  claw.RunStatus // RunCompleted or RunFailed
	Reply   string
	Error   string
	Outbox  []OutboxEntry // deliveries of the reply

	Step     *claw.Step     // a step to finish in the same transaction
	Messages []claw.Message // the step's messages
}
