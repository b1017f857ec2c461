package flowtest

import (
	"context"
	"errors"
	"sync"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// Options configures Run.
type Options struct {
	// Tasks runs Task states (normally an *action.Registry); nil fails them
	// with FnF.ActionNotSupported.
	Tasks interp.TaskRunner
	// Clock is the engine's clock; default interp.RealClock.
	Clock interp.Clock
	// OnEvent, when set, is called with every history event as it is
	// recorded (for progress output). Calls are serialised.
	OnEvent func(interp.Event)
}

// Outcome is how one run ended and its history.
type Outcome struct {
	Result interp.Result
	Events []interp.Event
}

// Run executes f once in process, as a Standard execution would run, and
// returns its result and history. Callback tasks take their runner's answer
// as their report (see the package doc). The run ends TimedOut at the flow's
// Timeout on o.Clock and Stopped when ctx is cancelled.
func Run(ctx context.Context, f *flow.Flow, ex interp.Execution, o Options) Outcome {
	if o.Clock == nil {
		o.Clock = interp.RealClock{}
	}
	rec := &recorder{on: o.OnEvent}
	cb := &callbacks{inner: o.Tasks, answers: map[string]answer{}}
	eng := interp.New(interp.Options{Clock: o.Clock, Tasks: cb, Recorder: rec})
	if d := f.Timeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = o.Clock.WithTimeoutCause(ctx, d, interp.ErrFlowTimeout)
		defer cancel()
	}
	m := eng.Start(f, ex)
	for !m.Step(ctx) {
		tok, _, waiting := m.Waiting()
		if !waiting {
			continue
		}
		a, ok := cb.take(tok)
		var err error
		switch {
		case !ok:
			_, err = m.Fail(tok, interp.ErrorActionNotSupported, "no runner answered this callback task")
		case a.err != nil:
			name, cause := interp.ErrorTaskFailed, a.err.Error()
			var ie *interp.Error
			if errors.As(a.err, &ie) {
				name, cause = ie.Name, ie.Detail
			}
			_, err = m.Fail(tok, name, cause)
		default:
			_, err = m.Complete(tok, a.out)
		}
		if err != nil { // the engine refused its own token: stop rather than spin
			break
		}
	}
	if !m.Done() {
		return Outcome{Result: interp.Result{Status: interp.Failed, Error: interp.ErrorTaskFailed, Cause: "the callback task could not be reported"}, Events: rec.events()}
	}
	return Outcome{Result: m.Result(), Events: rec.events()}
}

// recorder keeps the history and forwards each event.
type recorder struct {
	mu  sync.Mutex
	evs []interp.Event
	on  func(interp.Event)
}

func (r *recorder) Record(_ string, ev interp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	if r.on != nil {
		r.on(ev)
	}
}

func (r *recorder) events() []interp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]interp.Event(nil), r.evs...)
}

// answer is a callback task's runner result, reported once the task waits.
type answer struct {
	out any
	err error
}

// callbacks runs tasks through inner; a callback-mode task's result is kept
// as its report and the task is submitted.
type callbacks struct {
	inner interp.TaskRunner

	mu      sync.Mutex
	answers map[string]answer // by task token
}

func (c *callbacks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	if c.inner == nil {
		return nil, &interp.Error{Name: interp.ErrorActionNotSupported, Detail: "no task runner"}
	}
	if call.Mode == "" || call.Mode == flow.RequestComplete {
		return c.inner.Invoke(ctx, call)
	}
	out, err := c.inner.Invoke(ctx, call)
	if err != nil && ctx.Err() != nil {
		return nil, err // the Task Timeout or a stop ended the submission
	}
	c.mu.Lock()
	c.answers[call.TaskToken] = answer{out: out, err: err}
	c.mu.Unlock()
	return interp.Submitted{}, nil
}

func (c *callbacks) take(token string) (answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[token]
	delete(c.answers, token)
	return a, ok
}

// Forget passes the engine's end-of-execution notice to inner.
func (c *callbacks) Forget(execution string) {
	if f, ok := c.inner.(interp.Forgetter); ok {
		f.Forget(execution)
	}
}
