package eval

import "errors"

// Var is a set of variables an expression may read (a bit mask).
type Var uint8

// Variables of the flow language (reference 4.2).
const (
	VarInput   Var = 1 << iota // $Input (legacy: $input, and $ in conditions)
	VarOutput                  // $Output
	VarContext                 // $Context
	VarGlobal                  // $Global
	VarItem                    // $Item
	VarLocal                   // legacy $local
	// VarStep allows the legacy $context.step.name and $context.step.eventId
	// (with VarContext), which only a step's own mappings can read.
	VarStep
	// VarTaskToken allows the legacy $context.task.token (with VarContext):
	// only the inputMappings of a waitForCallback task (decision 61).
	VarTaskToken
)

// Options says how an expression or constructor is compiled.
type Options struct {
	Vars      Var  // variables allowed; using another one is a compile error
	Condition bool // a Choice condition: comparison and boolean operators allowed, result must be bool
	Legacy    bool // legacy FDL roots ($input, $local, $) instead of the new ones
	// Field names the field being compiled, e.g. "InputConstructor"; it is
	// only used in error messages ("$Output is not available in
	// InputConstructor"). Empty means "this field".
	Field string
}

// Sentinel errors; runtime errors wrap ErrExpression so the engine can raise
// FnF.ExpressionError for them.
var (
	// ErrExpression wraps every evaluation failure (missing path, wrong argument type, ...).
	ErrExpression = errors.New("expression error")
	// ErrMissingPath wraps ErrExpression when a path selects nothing.
	ErrMissingPath = errors.New("path not found")
)

// Context is the $Context object of one state evaluation (reference 4.1).
// Paths into it are resolved without building a map.
type Context struct {
	Execution ExecutionContext
	Current   CurrentContext
	// FlowName is the legacy $context.flow.name; the new FDL has no path to
	// it.
	FlowName string
}

// ExecutionContext is $Context.Execution.
type ExecutionContext struct {
	Name    string
	Input   any
	RoleArn string
}

// CurrentContext is $Context.Current.
type CurrentContext struct {
	Name       string
	Input      any
	Output     any
	Error      *ErrorContext // nil until the state failed
	RetryCount int
	TaskToken  string
	// EventID is the EventId of the state's StepEntered event (0 when the
	// execution is not recorded): the legacy $context.step.eventId.
	EventID int64
}

// ErrorContext is $Context.Current.Error.
type ErrorContext struct {
	Code   string
	Detail string
}

// Runtime supplies the non-deterministic built-ins, injected so tests repeat.
type Runtime struct {
	RandInt func(min, max int64) int64 // a value in [min, max)
	UUID    func() string              // a lower-case UUID v4
}

// Env holds the values one evaluation reads. A variable that was not allowed at
// compile time is never read.
type Env struct {
	Input   any
	Output  any
	Global  map[string]any
	Item    any
	Local   any // legacy $local
	Context *Context
	Runtime *Runtime
}
