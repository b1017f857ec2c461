package interp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// maxTaskTimeoutSeconds is the largest Task Timeout (reference 3.4).
const maxTaskTimeoutSeconds = 604800

// runTask evaluates Parameters and Timeout.$, then calls the TaskRunner once
// (reference 3.4). Errors: an *Error from the runner as is; FnF.Timeout when
// the Task's Timeout passed (FnF.TaskTimeout in a legacy step); FnF.ActionNotSupported without a runner;
// FnF.TaskFailed for any other runner error.
func (r *run) runTask(ctx context.Context, fr *frame, st *flow.State, in any) (any, *failure) {
	call := TaskCall{
		Execution:  r.exec.Name,
		State:      st.Name,
		Action:     st.Action,
		Mode:       st.TaskMode,
		Input:      in,
		Timeout:    st.Timeout,
		RetryCount: fr.retries,
	}
	if st.TaskMode == flow.WaitForCustomCallback || st.TaskMode == flow.WaitForSystemCallback {
		// The token exists before Parameters, which may pass it on (a
		// legacy step issued it before its inputMappings).
		if tok := fr.ctx.Current.TaskToken; tok != "" {
			call.TaskToken = tok
		} else if f := r.issueToken(fr, st, &call); f != nil {
			return nil, f
		}
	}
	if st.Parameters != nil {
		p, err := st.Parameters.Eval(&fr.env)
		if err != nil {
			return nil, exprFailure("Parameters", err)
		}
		call.Parameters = p
	}
	if st.TimeoutExpr != nil {
		v, err := st.TimeoutExpr.Eval(&fr.env)
		if err != nil {
			return nil, exprFailure("Timeout.$", err)
		}
		n, ok := timeoutValue(v)
		if !ok {
			return nil, fail(ErrorExpression, "Timeout.$ yielded %v; want a whole number of seconds from 0 to %d", v, maxTaskTimeoutSeconds)
		}
		call.Timeout = time.Duration(n) * time.Second
	}
	var sched int64
	if r.hist != nil {
		id, ok := r.hist.emit(TaskScheduled, fr.entered, st.Name, detail{Parameters: call.Parameters, has: hasParameters})
		if !ok {
			return nil, limitFailure(r)
		}
		sched = id
		if _, ok := r.hist.emit(TaskStarted, sched, st.Name, detail{}); !ok {
			return nil, limitFailure(r)
		}
	}
	res, f := r.invoke(ctx, call, st.TaskTimeoutName())
	if _, async := res.(Submitted); st.TaskMode == flow.WaitForCustomCallback || (async && f == nil) {
		return nil, r.submitted(fr, st, call, sched, in, f)
	}
	if r.hist != nil {
		switch {
		case f == nil:
			if _, ok := r.hist.emit(TaskSucceeded, sched, st.Name, detail{Output: res, has: hasOutput}); !ok {
				return nil, limitFailure(r)
			}
		case f.abort:
		default:
			typ := TaskFailed
			if f.err.Name == st.TaskTimeoutName() {
				typ = TaskTimedOut
			}
			if _, ok := r.hist.emit(typ, sched, st.Name, detail{Error: f.err.Name, Cause: f.err.Detail, has: hasError}); !ok {
				return nil, limitFailure(r)
			}
		}
	}
	return res, f
}

// invoke calls the task runner; a Timeout that passes fails the task with
// the error named timeoutName.
func (r *run) invoke(ctx context.Context, call TaskCall, timeoutName string) (any, *failure) {
	if r.opts.Tasks == nil {
		return nil, fail(ErrorActionNotSupported, "no integration serves action %s", call.Action)
	}
	tctx := ctx
	if call.Timeout > 0 {
		var cancel context.CancelFunc
		tctx, cancel = r.opts.Clock.WithTimeoutCause(ctx, call.Timeout, ErrTaskTimeout)
		defer cancel()
	}
	o := r.opts.Observer
	if o != nil {
		tctx = o.TaskStarted(tctx, call)
	}
	res, f := r.invokeRunner(ctx, tctx, call, timeoutName)
	if o != nil {
		o.TaskEnded(tctx, call, failureError(f))
	}
	return res, f
}

// invokeRunner invokes the TaskRunner with tctx (ctx plus the Task's
// Timeout) and maps its error.
func (r *run) invokeRunner(ctx, tctx context.Context, call TaskCall, timeoutName string) (any, *failure) {
	res, err := r.opts.Tasks.Invoke(tctx, call)
	if ctx.Err() != nil {
		return nil, abortFor(ctx)
	}
	if err == nil && call.Timeout > 0 && errors.Is(context.Cause(tctx), ErrTaskTimeout) {
		err = ErrTaskTimeout
	}
	if err == nil {
		return res, nil
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		return nil, &failure{err: &Error{Name: e.Name, Detail: e.Detail}, status: Failed}
	case errors.Is(context.Cause(tctx), ErrTaskTimeout) || errors.Is(err, ErrTaskTimeout):
		return nil, fail(timeoutName, "task %s did not finish within %s", call.State, call.Timeout)
	default:
		return nil, fail(ErrorTaskFailed, "%v", err)
	}
}

// timeoutValue accepts a whole number or numeric string in [0, 604800].
func timeoutValue(v any) (int64, bool) {
	if s, ok := v.(string); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return n, err == nil && n >= 0 && n <= maxTaskTimeoutSeconds
	}
	n, ok := wholeNumber(v)
	return n, ok && n >= 0 && n <= maxTaskTimeoutSeconds
}
