package interp

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// step runs one attempt of the frame's current state and moves the frame on.
// done is true when the scope finished with output out.
func (r *run) step(ctx context.Context, fr *frame) (done bool, out any, f *failure) {
	if f := r.checkAbort(ctx); f != nil {
		return false, nil, f
	}
	switch {
	case fr.wait != nil:
		return r.stepWaiting(fr)
	case fr.fan != nil:
		return r.stepFan(ctx, fr)
	}
	if fr.cur < 0 || fr.cur >= len(fr.scope.States) {
		return false, nil, &failure{err: &Error{Name: ErrorInvalidData, Detail: "invalid state position"}, status: Failed, fatal: true}
	}
	st := fr.scope.States[fr.cur]
	if !fr.retryAt.IsZero() {
		if r.opts.Clock.Now().Before(fr.retryAt) {
			return false, nil, suspended // the Retry interval is not over (timer.go)
		}
		fr.retryAt = time.Time{}
	}
	if st.Type == flow.Map && st.Distributed {
		fr.mapRun = st.Name + "-" + r.opts.UUID()
	}
	if r.hist != nil {
		if f := r.enterEvents(fr, st); f != nil {
			return false, nil, f
		}
	}
	out, next, f := r.observed(ctx, fr, st, false, r.attempt)
	if f == suspended {
		return false, nil, f // a callback task or a Wait now waits (callback.go, timer.go)
	}
	return r.settle(fr, st, out, next, f)
}

// observed runs work (an attempt of st, or its resumption) as the Observer,
// if any, sees one attempt.
func (r *run) observed(ctx context.Context, fr *frame, st *flow.State, resumed bool, work func(context.Context, *frame, *flow.State) (any, int, *failure)) (any, int, *failure) {
	o := r.opts.Observer
	if o == nil {
		return work(ctx, fr, st)
	}
	a := StateAttempt{Execution: r.exec.Name, State: st.Name, Type: st.Type.String(), RetryCount: fr.retries, Resumed: resumed}
	actx := o.StateStarted(ctx, a)
	out, next, f := work(actx, fr, st)
	o.StateEnded(actx, a, failureError(f), f == suspended)
	return out, next, f
}

// settle ends one attempt of st: on success it records the step events and
// moves on; on failure it applies Retry, then Catch (reference 6.1).
func (r *run) settle(fr *frame, st *flow.State, out any, next int, f *failure) (done bool, _ any, _ *failure) {
	if f == nil {
		if r.hist != nil {
			if f := r.stepEvent(fr, st, StepSucceeded, withMapRun(fr, st, detail{Output: out, has: hasOutput})); f != nil {
				return false, nil, f
			}
			if f := r.stepEvent(fr, st, StepExited, detail{}); f != nil {
				return false, nil, f
			}
		}
		return r.advance(fr, next, out)
	}
	if r.hist != nil && !f.abort {
		if lf := r.stepEvent(fr, st, StepFailed, withMapRun(fr, st, detail{Error: f.err.Name, Cause: f.err.Detail, has: hasError})); lf != nil {
			return false, nil, lf
		}
	}
	if f.fatal {
		return false, nil, f
	}
	// Retry first: the first rule naming the error applies (reference 6.1).
	for i := range st.Retry {
		rule := &st.Retry[i]
		if !rule.Matches(f.err.Name) {
			continue
		}
		if fr.ruleAttempts == nil {
			fr.ruleAttempts = make([]int, len(st.Retry))
		}
		if fr.ruleAttempts[i] < rule.MaxAttempts {
			fr.ruleAttempts[i]++
			fr.retries++
			fr.retryAt = r.opts.Clock.Now().Add(rule.Delay(fr.ruleAttempts[i]))
			return false, nil, nil
		}
		break
	}
	for i := range st.Catch {
		c := &st.Catch[i]
		if !c.Matches(f.err.Name) {
			continue
		}
		caught, cf := r.catchOutput(fr, c, f.err)
		if cf != nil {
			return false, nil, cf
		}
		if r.hist != nil {
			if lf := r.stepEvent(fr, st, StepExited, detail{Error: f.err.Name, Cause: f.err.Detail, has: hasError}); lf != nil {
				return false, nil, lf
			}
		}
		return r.advance(fr, c.Next, caught)
	}
	return false, nil, f
}

// advance moves the frame to next with input out, or ends the scope.
func (r *run) advance(fr *frame, next int, out any) (bool, any, *failure) {
	fr.retries, fr.ruleAttempts, fr.retryAt = 0, nil, time.Time{}
	if next == flow.NoState {
		return true, out, nil
	}
	fr.cur, fr.input = next, out
	return false, nil, nil
}

// catchOutput builds what a Catch rule's Next receives (reference 6.3).
func (r *run) catchOutput(fr *frame, c *flow.Catch, e *Error) (any, *failure) {
	if st := fr.scope.States[fr.cur]; st.Legacy != nil {
		return r.legacyCatch(fr, st, e)
	}
	if c.Output == nil {
		return map[string]any{"Error": e.Name, "Cause": e.Detail}, nil
	}
	env := &fr.env
	env.Output = nil
	fr.ctx.Current.Output = nil
	fr.ctx.Current.Error = &eval.ErrorContext{Code: e.Name, Detail: e.Detail}
	out, err := c.Output.Eval(env)
	fr.ctx.Current.Error = nil
	if err != nil {
		return nil, exprFailure("Catch OutputConstructor", err)
	}
	if f := r.checkData(out, "the Catch output"); f != nil {
		return nil, f
	}
	return out, nil
}

// attempt runs one state: InputConstructor, work, OutputConstructor,
// GlobalConstructor (reference 4.3). It returns the state output and the next
// state index.
func (r *run) attempt(ctx context.Context, fr *frame, st *flow.State) (any, int, *failure) {
	if st.Legacy != nil {
		return r.legacyAttempt(ctx, fr, st)
	}
	env := &fr.env
	in := fr.input
	env.Input, env.Output, env.Item = in, nil, nil
	if fr.noGlobal {
		env.Global = emptyGlobal
	} else {
		env.Global = r.loadGlobal()
	}
	fr.ctx.Current = eval.CurrentContext{Name: st.Name, Input: in, RetryCount: fr.retries}
	if st.Input != nil {
		m, n, err := st.Input.EvalSized(env, &r.sizer)
		if err != nil {
			return nil, 0, exprFailure("InputConstructor", err)
		}
		if f := r.checkSize(n, "the state input"); f != nil {
			return nil, 0, f
		}
		in = m
		env.Input, fr.ctx.Current.Input = in, in
	}
	next := st.Next
	var raw any
	var f *failure
	fresh := true // raw is new data, not the state input
	switch st.Type {
	case flow.Pass:
		raw, fresh = in, false
	case flow.Succeed:
		raw, fresh, next = in, false, flow.NoState
	case flow.Fail:
		return nil, 0, runFail(st)
	case flow.Choice:
		raw, fresh = in, false
		next, f = r.runChoice(fr, st)
	case flow.Wait:
		raw, fresh = in, false
		f = r.runWait(fr, st, in)
	case flow.Task:
		raw, f = r.runTask(ctx, fr, st, in)
	case flow.Parallel:
		raw, f = r.runParallel(ctx, fr, st, in)
		fresh = false // runFan kept the object within the limit: no second walk
	case flow.Map:
		raw, f = r.runMap(ctx, fr, st, in)
		fresh = false // as for Parallel
	default:
		f = fail(ErrorInvalidData, "state %q has an unknown type", st.Name)
	}
	if f != nil {
		return nil, 0, f
	}
	return r.finishAttempt(fr, st, in, raw, next, fresh)
}

// finishAttempt runs the OutputConstructor and GlobalConstructor of st on
// the work's raw result; fresh says raw is new data whose shape and size are
// still to be checked.
func (r *run) finishAttempt(fr *frame, st *flow.State, in, raw any, next int, fresh bool) (any, int, *failure) {
	env := &fr.env
	// The frame's env may have been reused by nested work; restore it.
	env.Input, env.Item = in, nil
	// $Global in the Output and Global constructors is the value after the
	// work (Parallel branches and nested states may have written to it) and
	// before this state's own GlobalConstructor (reference 4.3).
	if !fr.noGlobal {
		env.Global = r.loadGlobal()
	}
	out := raw
	if st.Output != nil {
		env.Output, fr.ctx.Current.Output = raw, raw
		m, n, err := st.Output.EvalSized(env, &r.sizer)
		if err != nil {
			return nil, 0, exprFailure("OutputConstructor", err)
		}
		if f := r.checkSize(n, "the state output"); f != nil {
			return nil, 0, f
		}
		out, fresh = m, false // an object, and its size is checked
	}
	if fresh {
		if f := r.checkData(out, "the state output"); f != nil {
			return nil, 0, f
		}
	}
	if st.Global != nil {
		env.Output, fr.ctx.Current.Output = raw, raw
		g, err := st.Global.Eval(env)
		if err != nil {
			return nil, 0, exprFailure("GlobalConstructor", err)
		}
		if f := r.mergeGlobal(g); f != nil {
			return nil, 0, f
		}
	}
	return out, next, nil
}

// exprFailure turns an evaluation error into FnF.ExpressionError.
func exprFailure(field string, err error) *failure {
	var e *Error
	if errors.As(err, &e) {
		return &failure{err: e, status: Failed}
	}
	return fail(ErrorExpression, "%s: %v", field, err)
}

// checkData enforces the state data rule: a JSON object of at most
// MaxPayloadBytes (reference 4.6).
func (r *run) checkData(v any, what string) *failure {
	if _, ok := v.(map[string]any); !ok {
		return fail(ErrorInvalidData, "%s must be a JSON object, got %s", what, value.Describe(v))
	}
	if n, ok := value.Size(v, r.opts.MaxPayloadBytes); !ok {
		return fail(ErrorInvalidData, "%s is larger than %d bytes (at least %d)", what, r.opts.MaxPayloadBytes, n)
	}
	return nil
}

// checkSize is checkData for a new object of encoded size n.
func (r *run) checkSize(n int, what string) *failure {
	if n > r.opts.MaxPayloadBytes {
		return fail(ErrorInvalidData, "%s is larger than %d bytes (at least %d)", what, r.opts.MaxPayloadBytes, n)
	}
	return nil
}

// mergeGlobal shallow-merges g into $Global (copy on write, so concurrent
// readers keep a consistent snapshot).
func (r *run) mergeGlobal(g map[string]any) *failure {
	for k, v := range g {
		if len(k) > r.opts.MaxGlobalKeyBytes {
			return fail(ErrorInvalidData, "$Global key %.40q... is longer than %d bytes", k, r.opts.MaxGlobalKeyBytes)
		}
		if _, ok := value.Size(v, r.opts.MaxGlobalValueBytes); !ok {
			return fail(ErrorInvalidData, "$Global value of %q is larger than %d bytes", k, r.opts.MaxGlobalValueBytes)
		}
	}
	if len(g) == 0 {
		return nil
	}
	r.gmu.Lock()
	defer r.gmu.Unlock()
	old := r.loadGlobal()
	next := make(map[string]any, len(old)+len(g))
	maps.Copy(next, old)
	maps.Copy(next, g)
	r.global.Store(&next)
	return nil
}

// enterEvents records StepEntered (first attempt of an entry) and StepStarted.
func (r *run) enterEvents(fr *frame, st *flow.State) *failure {
	if fr.retries == 0 {
		id, ok := r.hist.emit(StepEntered, 0, st.Name, detail{Input: fr.input, has: hasInput})
		if !ok {
			return limitFailure(r)
		}
		fr.entered = id
	}
	return r.stepEvent(fr, st, StepStarted, withMapRun(fr, st, detail{Input: fr.input, has: hasInput}))
}

// withMapRun adds the MapRunName of a distributed Map's attempt to its
// StepStarted and closing events (decision 58).
func withMapRun(fr *frame, st *flow.State, d detail) detail {
	if st.Type == flow.Map && st.Distributed && fr.mapRun != "" {
		d.MapRunName, d.has = fr.mapRun, d.has|hasMapRun
	}
	return d
}

func (r *run) stepEvent(fr *frame, st *flow.State, typ EventType, d detail) *failure {
	if _, ok := r.hist.emit(typ, fr.entered, st.Name, d); !ok {
		return limitFailure(r)
	}
	return nil
}

func limitFailure(r *run) *failure {
	return &failure{err: &Error{Name: ErrorLimitExceeded, Detail: "the execution exceeded the history event limit"}, status: Failed, fatal: true}
}

// payloadSizer measures constructor results for eval.Template.EvalSized, so
// the state data check needs no second walk over the new object. A member's
// value is walked only up to limit.
type payloadSizer struct{ limit int }

// MemberSize is the length of `"key":v`.
func (p *payloadSizer) MemberSize(key string, v any) int {
	return value.MemberSize(key, v, p.limit)
}
