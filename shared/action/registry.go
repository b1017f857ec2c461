package action

import (
	"context"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// Registry dispatches Task calls to the runner registered for their Action,
// consulting a Mock first. It is immutable after NewRegistry and safe for
// concurrent use; it satisfies interp.TaskRunner and interp.Forgetter (the
// engine then drops the Mock's counters of each execution as it finishes).
type Registry struct {
	runners map[string]interp.TaskRunner
	mock    *Mock
}

// NewRegistry returns a Registry serving runners (Action name → runner; the
// map is copied) and, ahead of them, mock (nil for none).
func NewRegistry(mock *Mock, runners map[string]interp.TaskRunner) *Registry {
	r := &Registry{runners: make(map[string]interp.TaskRunner, len(runners)), mock: mock}
	for a, run := range runners {
		r.runners[a] = run
	}
	return r
}

// Known reports whether action has a runner or a mock Actions entry. It is
// meant for flow.ParseOptions.KnownAction.
func (r *Registry) Known(action string) bool {
	if _, ok := r.runners[action]; ok {
		return true
	}
	return r.mock != nil && r.mock.Known(action)
}

// CheckParameters reports an *UnknownParameterError for the first of keys
// (literal Parameters keys of a Task in state, ".$" stripped) that the
// integration serving action does not accept. Keys of a Task the mock
// serves (by state or action), and of runners that do not implement
// ParameterKeyer, are all accepted. It is meant for
// flow.ParseOptions.CheckParameters.
func (r *Registry) CheckParameters(state, action string, keys []string) error {
	if r.mock != nil {
		if r.mock.serves(state, action) {
			return nil
		}
	}
	pk, ok := r.runners[action].(ParameterKeyer)
	if !ok {
		return nil
	}
	if e := checkKeys(action, keys, pk.ParameterKeys()); e != nil {
		return e
	}
	return nil
}

// Invoke runs call: through the mock when it has an entry for the state or
// the action (state name first), else through the runner registered for
// call.Action. Without either it returns an *interp.Error named
// FnF.ActionNotSupported.
func (r *Registry) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	if r.mock != nil {
		if _, ok := r.mock.Match(CaseOf(call.Execution), call.State, call.Action); ok {
			return r.mock.Invoke(ctx, call)
		}
	}
	if run, ok := r.runners[call.Action]; ok {
		return run.Invoke(ctx, call)
	}
	return nil, &interp.Error{Name: interp.ErrorActionNotSupported, Detail: fmt.Sprintf("no integration serves action %s", call.Action)}
}

// Forget drops the Mock's call counters of execution (see Mock.Forget); the
// engine calls it when the execution finishes. Without a Mock it does nothing.
func (r *Registry) Forget(execution string) {
	if r.mock != nil {
		r.mock.Forget(execution)
	}
}
