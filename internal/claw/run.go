package claw

// RunControl is what the supervisor gives a run it starts: the one
// contract between whoever runs a claw's events (the agent's runner) and
// the supervisor that schedules them.
type RunControl interface {
	// Step is called at every step boundary (before each model or tool
	// call): it tells the supervisor the run makes progress (a run with no
	// progress for its wedge timeout is cancelled as a crash). A non-nil
	// error (the supervisor's ErrHalted: the node is draining, or the claw
	// was paused) must end the run attempt at that boundary without
	// recording an outcome, and be returned, so that the run resumes from
	// that boundary later.
	Step() error
	// Lend gives back the run's worker slot while the run waits for
	// another claw (ask_claw), so that claws waiting on each other cannot
	// hold every slot and starve the claws they wait for. The returned
	// function takes a slot again, waiting until one is free; the run must
	// call it before it goes on.
	Lend() (reclaim func())
}
