package execution

import (
	"errors"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// Error names the service gives executions it fails or stops itself (the
// engine's own are interp's Error constants). Retry and Catch match them like
// any other name.
const (
	// ErrorInvalidDefinition fails a Standard execution whose stored
	// definition no longer parses.
	ErrorInvalidDefinition = "FnF.InvalidDefinition"
	// ErrorInvalidCheckpoint fails a Standard execution whose checkpoint does
	// not fit its flow.
	ErrorInvalidCheckpoint = interp.ErrorInvalidCheckpoint
	// ErrorFlowDeleted stops the running executions of a deleted flow.
	ErrorFlowDeleted = "FnF.FlowDeleted"
	// ErrorExecutionStopped is what a parent waiting for a child execution
	// gets when the child was stopped without an error name.
	ErrorExecutionStopped = "FnF.ExecutionStopped"
)

// Sentinel errors of the use cases. They reach callers wrapped in
// ResourceError, ModeError or ArgumentError; compare with errors.Is.
var (
	// ErrFlowNotFound means the caller's account has no flow of that name.
	ErrFlowNotFound = errors.New("flow not found")
	// ErrFlowExists means CreateFlow named a flow that already exists.
	ErrFlowExists = errors.New("flow already exists")
	// ErrExecutionNotFound means the flow has no execution of that name.
	ErrExecutionNotFound = errors.New("execution not found")
	// ErrExecutionExists means StartExecution named an execution that has
	// already ended.
	ErrExecutionExists = errors.New("execution already exists")
	// ErrExecutionCompleted means StopExecution named an execution that has
	// already ended.
	ErrExecutionCompleted = errors.New("execution already completed")
	// ErrModeNotSupported means the operation does not run flows of the
	// flow's execution mode.
	ErrModeNotSupported = errors.New("execution mode not supported")
	// ErrConflict means an optimistic write kept losing to concurrent
	// writers after the service's own retries.
	ErrConflict = errors.New("concurrent update")
	// ErrInvalidArgument means a parameter breaks a rule.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrAccessDenied means a request reaches another account's resource
	// through a global reference such as a task token (reference 2.7).
	ErrAccessDenied = errors.New("access denied")
	// ErrClosed means the service was closed.
	ErrClosed = errors.New("execution service closed")
	// ErrVersionNotFound means a flow version (FlowVersion, Qualifier or a
	// route of an alias) does not exist. It reaches callers inside an
	// ArgumentError (reference 2.3: an unknown version is InvalidArgument).
	ErrVersionNotFound = errors.New("flow version not found")
	// ErrAliasNotFound means a flow alias does not exist; it reaches callers
	// inside an ArgumentError.
	ErrAliasNotFound = errors.New("flow alias not found")
	// ErrAliasExists means CreateFlowAlias named an alias that already
	// exists; it reaches callers inside an ArgumentError.
	ErrAliasExists = errors.New("flow alias already exists")
	// ErrScheduleNotFound means the flow has no schedule of that name.
	ErrScheduleNotFound = errors.New("schedule not found")
	// ErrScheduleExists means CreateSchedule named a schedule that already
	// exists.
	ErrScheduleExists = errors.New("schedule already exists")
	// ErrMapRunNotFound means the execution has no map run of that name.
	ErrMapRunNotFound = errors.New("map run not found")
)

// ResourceError names the flow and execution a lookup or state error is
// about. Err is one of ErrFlowNotFound, ErrFlowExists, ErrExecutionNotFound,
// ErrExecutionExists, ErrExecutionCompleted, ErrScheduleNotFound,
// ErrScheduleExists, ErrMapRunNotFound or ErrConflict.
type ResourceError struct {
	Err       error
	Flow      string // flow name
	Execution string // execution name; empty for flow errors
	Schedule  string // schedule name, for schedule errors
	MapRun    string // map run name, for map run errors
}

func (e *ResourceError) Error() string {
	switch {
	case e.Schedule != "":
		return fmt.Sprintf("schedule %q of flow %q: %v", e.Schedule, e.Flow, e.Err)
	case e.MapRun != "":
		return fmt.Sprintf("map run %q of execution %q of flow %q: %v", e.MapRun, e.Execution, e.Flow, e.Err)
	}
	if e.Execution == "" {
		return fmt.Sprintf("flow %q: %v", e.Flow, e.Err)
	}
	return fmt.Sprintf("execution %q of flow %q: %v", e.Execution, e.Flow, e.Err)
}

// Unwrap returns the sentinel.
func (e *ResourceError) Unwrap() error { return e.Err }

// ModeError reports an operation used on a flow of the wrong execution mode;
// Mode is the flow's mode. It unwraps to ErrModeNotSupported.
type ModeError struct {
	Flow string
	Mode flow.Mode
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("flow %q: %s execution is not supported", e.Flow, e.Mode)
}

// Unwrap returns ErrModeNotSupported.
func (e *ModeError) Unwrap() error { return ErrModeNotSupported }

// ArgumentError reports a parameter that breaks a rule. Reason is one
// sentence naming the parameter (or the state and field of a definition) and
// the rule, ready to follow "Parameter error. ". Issues holds the located
// definition problems when Param is "Definition". Cause, when set, is the
// sentinel saying why (ErrVersionNotFound, ErrAliasNotFound,
// ErrAliasExists). It unwraps to ErrInvalidArgument and Cause.
type ArgumentError struct {
	Param  string
	Reason string
	Issues flow.Issues
	Cause  error
}

func (e *ArgumentError) Error() string { return "invalid " + e.Param + ": " + e.Reason }

// Unwrap returns ErrInvalidArgument and, when set, Cause.
func (e *ArgumentError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrInvalidArgument}
	}
	return []error{ErrInvalidArgument, e.Cause}
}

func invalid(param, format string, args ...any) error {
	return &ArgumentError{Param: param, Reason: fmt.Sprintf(format, args...)}
}

// AccessError reports a parameter (a task token, an ARN) that names another
// account's resource. It unwraps to ErrAccessDenied.
type AccessError struct{ Param string }

func (e *AccessError) Error() string { return e.Param + " belongs to another account" }

// Unwrap returns ErrAccessDenied.
func (e *AccessError) Unwrap() error { return ErrAccessDenied }
