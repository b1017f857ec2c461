package flow

import (
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// Flow is a parsed, validated and compiled flow definition. It is immutable and
// safe to share between goroutines: the engine only reads it.
type Flow struct {
	name        string
	mode        Mode
	description string
	timeout     time.Duration
	legacy      bool
	root        *Scope
	legacyIO    legacyIO // legacy flow-level mappings (legacy_model.go)
}

// Name returns the flow's name: the FDL Name, or ParseOptions.Name when the
// definition has none.
func (f *Flow) Name() string { return f.name }

// Mode returns the execution mode the flow was validated for (never empty).
func (f *Flow) Mode() Mode { return f.mode }

// Description returns the top-level Description, or "".
func (f *Flow) Description() string { return f.description }

// Legacy reports whether the flow was compiled from the legacy FDL; its
// constructors then use the legacy roots ($input, $local).
func (f *Flow) Legacy() bool { return f.legacy }

// Root returns the top-level scope.
func (f *Flow) Root() *Scope { return f.root }

// StateType is the Type of a state.
type StateType uint8

// State types (reference 3.3-3.10).
const (
	Pass StateType = iota + 1
	Task
	Wait
	Choice
	Succeed
	Fail
	Parallel
	Map
)

var stateTypeNames = [...]string{
	Pass: "Pass", Task: "Task", Wait: "Wait", Choice: "Choice",
	Succeed: "Succeed", Fail: "Fail", Parallel: "Parallel", Map: "Map",
}

// String returns the FDL spelling of the type.
func (t StateType) String() string {
	if int(t) < len(stateTypeNames) && stateTypeNames[t] != "" {
		return stateTypeNames[t]
	}
	return "Unknown"
}

// TaskMode is a Task's integration mode (reference 7.1).
type TaskMode string

// Task modes.
const (
	RequestComplete       TaskMode = "RequestComplete"
	WaitForSystemCallback TaskMode = "WaitForSystemCallback"
	WaitForCustomCallback TaskMode = "WaitForCustomCallback"
)

// NoState is the state index meaning "no transition": the scope ends.
const NoState = -1

// Scope is a list of states with its entry point: the top-level flow, a
// Parallel branch or a Map processor. Transitions are indexes into States.
type Scope struct {
	Start  int      // index of the StartAt state
	States []*State // in definition order
}

// State is one compiled state. Every transition is an index into the states
// of the enclosing Scope, or NoState. Fields that do not apply to the state's
// Type are zero. The fields must not be modified.
type State struct {
	Name string
	Type StateType
	Path string // location for messages, e.g. "States[2](Charge)"

	Next int  // next state index, NoState when the state ends its scope
	End  bool // End: true (Succeed and Fail end implicitly)

	Input  *eval.Template // InputConstructor, nil when absent
	Output *eval.Template // OutputConstructor, nil when absent
	Global *eval.Template // GlobalConstructor, nil when absent

	Retry []Retry // Task, Parallel, Map
	Catch []Catch // Task, Parallel, Map

	// Task
	Action      string
	TaskMode    TaskMode       // never empty on a Task (default RequestComplete)
	Parameters  *eval.Template // nil when absent
	Timeout     time.Duration  // literal Timeout; 0 = no limit
	TimeoutExpr *eval.Expr     // Timeout.$, nil when absent

	// Wait
	Seconds     int        // literal Seconds
	SecondsExpr *eval.Expr // Seconds.$, nil when absent
	MaxSeconds  int        // upper bound for Seconds.$ in this state's mode

	// Choice
	Choices []ChoiceBranch
	Default int // Default target

	// Fail
	Code   string
	Detail string

	// Parallel
	Branches []*Scope

	// Map
	ItemsPath       *eval.Expr
	ItemConstructor *eval.Template // nil when absent
	Processor       *Scope
	MaxConcurrency  int  // effective value: the mode's default when absent
	Distributed     bool // ProcessorConfig.ExecutionMode: Express
	MaxItems        int  // distributed mode only; 0 = no limit (inline)

	// Legacy holds what only legacy steps have (legacy_model.go); nil for
	// new-FDL states.
	Legacy *LegacyStep
}

// ChoiceBranch is one Choice branch.
type ChoiceBranch struct {
	Condition *eval.Expr
	Next      int
}

// Retry is one Retry rule (reference 6.2).
type Retry struct {
	Errors        []string
	MaxAttempts   int
	Interval      time.Duration
	BackoffRate   float64 // >= 1
	MaxBackoff    time.Duration
	HasMaxBackoff bool
	matchAll      bool
}

// Catch is one Catch rule (reference 6.3).
type Catch struct {
	Errors   []string
	Next     int
	Output   *eval.Template // OutputConstructor, nil when absent
	matchAll bool
}

// Error names Retry and Catch rules treat specially.
const (
	// ErrorAll is the wildcard error name that matches every error.
	ErrorAll = "FnF.ALL"
	// ErrorTimeout is the name of a task timeout in new flows, and
	// ErrorTaskTimeout in legacy flows; a rule naming either matches both
	// (decision 63).
	ErrorTimeout     = "FnF.Timeout"
	ErrorTaskTimeout = "FnF.TaskTimeout"
)

// Matches reports whether the rule applies to the error name.
func (r *Retry) Matches(name string) bool { return r.matchAll || matchName(r.Errors, name) }

// Matches reports whether the rule applies to the error name.
func (c *Catch) Matches(name string) bool { return c.matchAll || matchName(c.Errors, name) }

// matchName reports whether list names the error, counting FnF.Timeout and
// FnF.TaskTimeout as one.
func matchName(list []string, name string) bool {
	switch name {
	case ErrorTimeout:
		return contains(list, name) || contains(list, ErrorTaskTimeout)
	case ErrorTaskTimeout:
		return contains(list, name) || contains(list, ErrorTimeout)
	}
	return contains(list, name)
}

// TaskTimeoutName returns the name of a task timeout of st:
// ErrorTaskTimeout in a legacy step, ErrorTimeout otherwise.
func (st *State) TaskTimeoutName() string {
	if st.Legacy != nil {
		return ErrorTaskTimeout
	}
	return ErrorTimeout
}

// Delay returns the pause before retry n (1-based):
// min(Interval × BackoffRate^(n−1), MaxBackoff).
func (r *Retry) Delay(n int) time.Duration {
	d := float64(r.Interval)
	for i := 1; i < n; i++ {
		d *= r.BackoffRate
		if r.HasMaxBackoff && d >= float64(r.MaxBackoff) {
			return r.MaxBackoff
		}
		if d > float64(maxDelay) {
			d = float64(maxDelay)
			break
		}
	}
	if r.HasMaxBackoff && time.Duration(d) > r.MaxBackoff {
		return r.MaxBackoff
	}
	return time.Duration(d)
}

// maxDelay caps computed delays so that the float to Duration conversion
// never overflows.
const maxDelay = 366 * 24 * time.Hour

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
