package interp

import (
	"errors"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// Error names the engine raises (reference 6.4). Retry and Catch rules match
// them by name; ErrorAll matches every name.
const (
	ErrorAll                = flow.ErrorAll            // wildcard in Errors lists; never raised
	ErrorTimeout            = flow.ErrorTimeout        // a Task exceeded its Timeout, or the flow its Timeout
	ErrorTaskTimeout        = flow.ErrorTaskTimeout    // a legacy task exceeded its timeoutSeconds (decision 63)
	ErrorExpression         = "FnF.ExpressionError"    // an expression could not be evaluated
	ErrorInvalidData        = "FnF.InvalidData"        // state data not an object, too large, or a bad $Global write
	ErrorActionNotSupported = "FnF.ActionNotSupported" // no task runner can serve the Action
	ErrorLimitExceeded      = "FnF.LimitExceeded"      // the history-event limit was hit; not catchable
	// ErrorInvalidCheckpoint fails an execution whose checkpoint cannot be
	// continued (it does not fit the flow, or the outputs of finished
	// branches or iterations cannot be read back); not catchable.
	ErrorInvalidCheckpoint = "FnF.InvalidCheckpoint"
	// ErrorTaskFailed is raised when a task runner returns an error that is
	// not (and does not wrap) an *Error. Project decision: the reference names
	// no generic task error.
	ErrorTaskFailed = "FnF.TaskFailed"
)

// Sentinel errors.
var (
	// ErrTaskTimeout is the cause of a task context cancelled because the
	// Task's Timeout passed.
	ErrTaskTimeout = errors.New("task timeout")
	// ErrFlowTimeout is the cause of a run context cancelled because the
	// flow's Timeout passed.
	ErrFlowTimeout = errors.New("flow timeout")
	// ErrBadCheckpoint is returned by Resume when a checkpoint does not fit
	// the flow.
	ErrBadCheckpoint = errors.New("checkpoint does not match the flow")
	// ErrNotWaiting is returned by Machine.Complete and Machine.Fail when no
	// callback task waits for a report (none was submitted yet, or the
	// execution has finished).
	ErrNotWaiting = errors.New("no task is waiting for a report")
	// ErrTokenMismatch is returned by Machine.Complete and Machine.Fail when
	// the token is not the waiting task's (an earlier attempt's, or another
	// task's).
	ErrTokenMismatch = errors.New("task token does not match the waiting task")
	// ErrAlreadyReported is returned by Machine.Complete and Machine.Fail
	// when the waiting task already has its result (reported or timed out).
	ErrAlreadyReported = errors.New("task already reported")
)

// Error is a named flow error: what a Task runner returns to fail a task, and
// what Retry and Catch rules match by Name.
type Error struct {
	Name   string // e.g. FnF.Timeout, FC.ResourceThrottled, a Fail state's Code
	Detail string // human-readable cause
	Err    error  // optional underlying error
}

// Error returns "name: detail".
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Name
	}
	return fmt.Sprintf("%s: %s", e.Name, e.Detail)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// failure is how a state attempt or a scope ended without success.
type failure struct {
	err    *Error
	status Status // Failed, or TimedOut / Stopped for aborts
	fatal  bool   // not catchable: Fail state, LimitExceeded, aborts
	abort  bool   // the run was stopped or timed out (ctx or flow deadline)
	// suspend means a callback-mode Task was submitted and now waits for its
	// report, or a Wait or Retry interval waits for its due time
	// (callback.go, timer.go), at any depth; it is not an error.
	suspend bool
}

func fail(name, format string, args ...any) *failure {
	return &failure{err: &Error{Name: name, Detail: fmt.Sprintf(format, args...)}, status: Failed}
}
