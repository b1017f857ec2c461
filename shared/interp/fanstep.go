package interp

import (
	"context"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// Fans that span Steps: a Parallel, Map or legacy fan whose children did
// not all finish in one Step stays in its frame (frame.fan) with the
// suspended children's frames; the next Step of that frame goes on with it
// (stepFan) instead of starting a new attempt.

// size is how a fan of kind k adds up its output's size.
func (k fanKind) size() fanSize {
	switch k {
	case fanParallel:
		return parallelSize
	case fanMap:
		return mapSize
	case fanLegacyParallel:
		return legacyParallelSize
	case fanLegacyForeach:
		return legacyForeachSize
	}
	return fanSize{}
}

// prepareChild makes k the new child i of parent's fan fn (state st) and
// returns the child's input, for its entered event.
func (r *run) prepareChild(parent *frame, st *flow.State, fn *fan, i int, k *frame) (any, *failure) {
	switch fn.kind {
	case fanMap:
		return r.prepareMapChild(parent, st, fn, i, k)
	case fanLegacyForeach:
		in := foreachInput(st, fn.in, fn.items, i)
		r.initLegacyFrame(k, st.Processor, in, fn.noGlobal)
		return in, nil
	}
	r.initChild(st, fn, i, k)
	return fn.in, nil
}

// initChild makes k child i of fn at the start of its scope, with the
// data every later position of the child shares (its scope, a legacy
// scope's input, $Global visibility). A Map iteration's input is set by
// its caller.
func (r *run) initChild(st *flow.State, fn *fan, i int, k *frame) {
	switch fn.kind {
	case fanParallel:
		r.initFrame(k, st.Branches[i], fn.in)
	case fanMap:
		r.initFrame(k, st.Processor, nil)
	case fanLegacyParallel:
		r.initLegacyFrame(k, st.Branches[i], fn.in, fn.noGlobal)
	case fanLegacyForeach:
		r.initLegacyFrame(k, st.Processor, foreachInput(st, fn.in, fn.items, i), fn.noGlobal)
	case fanLegacyChoice:
		r.initLegacyFrame(k, choiceSteps(st, fn.choice), fn.in, fn.noGlobal)
		k.entered = fn.entered
	}
	k.noGlobal = fn.noGlobal
}

// stepFan is step for a frame whose state's fan did not finish in an
// earlier Step: it runs the fan on and, once it has finished, ends the
// attempt as the state's first Step would have. The Observer sees the
// Step as the same attempt, resumed.
func (r *run) stepFan(ctx context.Context, fr *frame) (bool, any, *failure) {
	st := fr.scope.States[fr.cur]
	out, next, f := r.observed(ctx, fr, st, true, r.fanOn)
	if f == suspended {
		return false, nil, f
	}
	return r.settle(fr, st, out, next, f)
}

// fanOn runs fr's fan on; once it has finished it returns the state's
// output and next state, as attempt does.
func (r *run) fanOn(ctx context.Context, fr *frame, st *flow.State) (any, int, *failure) {
	fn := fr.fan
	fr.entered = fn.entered
	env := &fr.env
	if st.Legacy != nil {
		in, _ := fn.in.(map[string]any)
		fr.stepIn = in
		env.Input, env.Local, env.Output, env.Item, env.Global = in, nil, nil, nil, emptyGlobal
		fr.ctx.Current = eval.CurrentContext{Name: st.Name, Input: in, RetryCount: fr.retries, EventID: fr.entered}
		next := st.Next
		var local any
		var f *failure
		if fn.kind == fanLegacyChoice {
			next, local, f = r.legacyChoiceResult(ctx, fr, st)
		} else {
			local, f = r.legacyFanResult(ctx, fr, st)
		}
		if f != nil {
			return nil, 0, f
		}
		out, f := r.legacyOutput(fr, st, in, local)
		return out, next, f
	}
	env.Input, env.Output, env.Item = fn.in, nil, nil
	if fr.noGlobal {
		env.Global = emptyGlobal
	} else {
		env.Global = r.loadGlobal()
	}
	fr.ctx.Current = eval.CurrentContext{Name: st.Name, Input: fn.in, RetryCount: fr.retries}
	var raw any
	var f *failure
	if fn.kind == fanMap {
		raw, f = r.mapResult(ctx, fr, st)
	} else {
		raw, f = r.parallelResult(ctx, fr, st)
	}
	if f != nil {
		return nil, 0, f
	}
	return r.finishAttempt(fr, st, fn.in, raw, st.Next, false)
}

// nowFunc returns a function reading the engine clock once, on first use.
func (r *run) nowFunc() func() time.Time {
	var now time.Time
	return func() time.Time {
		if now.IsZero() {
			now = r.opts.Clock.Now()
		}
		return now
	}
}

// blocked reports whether fr cannot advance now: it waits for an
// unreported callback task whose Timeout has not passed, a Wait or a Retry
// interval not yet due, or its fan's unfinished children are all blocked
// and no new one may start.
func (r *run) blocked(fr *frame, now func() time.Time) bool {
	switch {
	case fr.wait != nil:
		w := fr.wait
		return !w.reported && (w.deadline.IsZero() || now().Before(w.deadline))
	case fr.fan == nil && !fr.retryAt.IsZero():
		return now().Before(fr.retryAt)
	case fr.fan != nil:
		fn := fr.fan
		open := 0
		for _, k := range fn.kids {
			if k == nil {
				continue
			}
			if !r.blocked(k, now) {
				return false
			}
			open++
		}
		return open > 0 && (fn.started == fn.n || open >= fn.conc)
	}
	return false
}

// walkWaits calls visit for every frame of the tree under fr that holds a
// callback task or a Wait, in branch and item order; visit returns false to
// stop.
func walkWaits(fr *frame, visit func(*frame) bool) bool {
	return walkSuspended(fr, func(k *frame) bool { return k.wait == nil || visit(k) })
}
