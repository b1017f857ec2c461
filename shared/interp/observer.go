package interp

import "context"

// Observer is told of every state attempt and Task call as it happens, for
// tracing and metrics (Options.Observer). Each Started method returns the
// context the work then runs with, so what the work starts (a nested
// state, a Task call, an HTTP request) can hang under it; the matching
// Ended method gets that context back. Calls come from the goroutines that
// run the states (Parallel branches and Map iterations run concurrently),
// so an Observer must be safe for concurrent use. It must not block.
type Observer interface {
	// StateStarted is called as an attempt of a state begins, after its
	// Retry backoff, before its InputConstructor, and as a Parallel or Map
	// attempt whose branches or iterations were all suspended goes on in a
	// later Step (StateAttempt.Resumed).
	StateStarted(ctx context.Context, a StateAttempt) context.Context
	// StateEnded is called when the attempt ends: err is the error it
	// failed with (before Retry and Catch apply), nil on success;
	// suspended says the state now waits: a callback-mode Task for its
	// report, a Wait for its due time, or a Parallel or Map for its
	// suspended branches or iterations.
	StateEnded(ctx context.Context, a StateAttempt, err *Error, suspended bool)
	// TaskStarted is called just before the TaskRunner is invoked.
	TaskStarted(ctx context.Context, call TaskCall) context.Context
	// TaskEnded is called when the TaskRunner returns; err is the error
	// the Task failed with as Retry and Catch see it, nil on success.
	TaskEnded(ctx context.Context, call TaskCall, err *Error)
}

// StateAttempt names one attempt of a state for an Observer.
type StateAttempt struct {
	Execution  string // execution name
	State      string // state name
	Type       string // state type: Pass, Task, Choice, ... (a legacy step's equivalent)
	RetryCount int    // retries done so far for this state entry
	// Resumed marks a Parallel or Map attempt going on after a Step in
	// which it suspended: the same attempt, not a new transition.
	Resumed bool
}

// failureError is the error f carries, nil for none and for a suspension.
func failureError(f *failure) *Error {
	if f == nil || f.suspend {
		return nil
	}
	return f.err
}
