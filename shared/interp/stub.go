package interp

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// TODO(interp): replaced by the real engine.

// Options configures an Engine.
type Options struct{}

// Engine runs flows. It is safe for concurrent use.
type Engine struct{ opts Options }

// New returns an engine.
func New(opts Options) *Engine { return &Engine{opts: opts} }

// Run executes f from its start to a terminal status. The run ends TimedOut
// when the flow's Timeout passes or ctx's deadline is exceeded, and Stopped when
// ctx is cancelled otherwise.
func (e *Engine) Run(ctx context.Context, f *flow.Flow, ex Execution) Result {
	return Result{Status: Failed, Error: "FnF.ActionNotSupported", Cause: "interpreter not implemented"}
}
