package interp

import (
	"context"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Legacy FDL data semantics (reference 8.2) on the shared run loop.
//
// In a legacy scope the frame's input holds the scope's $local (the union of
// the outputs of the steps run so far, a fresh map after every step) and
// scopeIn the scope's own input, which never changes. A step's attempt
// computes its input (inputMappings over scopeIn and $local, or their union),
// runs, computes its output (outputMappings over its input and its own
// $local, or that $local), and returns the scope's new $local, which the
// loop passes on as the next "input". The scope's result is therefore its
// $local, which is what a parent step sees as $local.

// legacyStart applies the flow-level inputMappings to the execution input and
// starts the root scope with an empty $local.
func (r *run) legacyStart(fr *frame) *failure {
	in := fr.input
	if m, _ := r.flow.LegacyMappings(); m != nil {
		fr.env.Input, fr.env.Local = in, map[string]any{}
		v, err := m.Eval(&fr.env)
		if err != nil {
			return exprFailure("flow inputMappings", err)
		}
		in = v
	}
	fr.scopeIn, fr.input = in, map[string]any{}
	return nil
}

// legacyFinish turns the root scope's $local (*out) into the execution
// output with the flow-level outputMappings. It reports whether it failed
// the run instead.
func (m *Machine) legacyFinish(out *any) bool {
	_, om := m.r.flow.LegacyMappings()
	if om == nil {
		return false
	}
	env := &m.fr.env
	env.Input, env.Local = m.fr.scopeIn, *out
	v, err := om.Eval(env)
	if err != nil {
		m.finish(exprFailure("flow outputMappings", err))
		return true
	}
	*out = v
	return false
}

// initLegacyFrame starts a nested legacy scope on input in.
func (r *run) initLegacyFrame(fr *frame, scope *flow.Scope, in any, noGlobal bool) {
	r.initFrame(fr, scope, nil)
	fr.scopeIn, fr.input, fr.noGlobal = in, map[string]any{}, noGlobal
}

// legacyAttempt runs one legacy step and returns the scope's new $local and
// the next step.
func (r *run) legacyAttempt(ctx context.Context, fr *frame, st *flow.State) (any, int, *failure) {
	lg := st.Legacy
	env := &fr.env
	parentLocal, _ := fr.input.(map[string]any)
	env.Input, env.Local, env.Output, env.Item, env.Global = fr.scopeIn, parentLocal, nil, nil, emptyGlobal
	fr.ctx.Current = eval.CurrentContext{Name: st.Name, RetryCount: fr.retries, EventID: fr.entered}
	if st.Type == flow.Task && st.TaskMode != flow.RequestComplete {
		// $context.task.token of the inputMappings is this attempt's token.
		var call TaskCall
		if f := r.issueToken(fr, st, &call); f != nil {
			return nil, 0, f
		}
	}
	var in map[string]any
	if lg.InputMappings != nil {
		m, err := lg.InputMappings.Eval(env)
		if err != nil {
			return nil, 0, exprFailure("inputMappings", err)
		}
		in = m
	} else {
		in = union(fr.scopeIn, parentLocal)
	}
	fr.stepIn = in
	env.Input, env.Local = in, nil
	fr.ctx.Current.Input = in

	next := st.Next
	var local any = map[string]any{}
	var f *failure
	switch st.Type {
	case flow.Pass:
	case flow.Succeed:
		next = flow.NoState
	case flow.Fail:
		return nil, 0, runFail(st)
	case flow.Task:
		var raw any
		if raw, f = r.runTask(ctx, fr, st, in); f == nil {
			local, f = legacyTaskLocal(st, raw)
		}
	case flow.Choice:
		next, local, f = r.legacyChoice(ctx, fr, st, in)
	case flow.Parallel:
		local, f = r.legacyParallel(ctx, fr, st, in)
	case flow.Map:
		local, f = r.legacyForeach(ctx, fr, st, in)
	case flow.Wait:
		f = r.legacyWait(fr, st)
	default:
		f = fail(ErrorInvalidData, "step %q has an unknown type", st.Name)
	}
	if f != nil {
		return nil, 0, f
	}
	out, f := r.legacyOutput(fr, st, in, local)
	if f != nil {
		return nil, 0, f
	}
	return out, next, nil
}

// legacyOutput ends a step that produced local: its outputMappings (or the
// default output), the size rule, and the scope's new $local.
func (r *run) legacyOutput(fr *frame, st *flow.State, in map[string]any, local any) (any, *failure) {
	lg := st.Legacy
	env := &fr.env
	parentLocal, _ := fr.input.(map[string]any)
	var out map[string]any
	switch {
	case lg.OutputMappings != nil:
		env.Input, env.Local = in, local
		m, err := lg.OutputMappings.Eval(env)
		if err != nil {
			return nil, exprFailure("outputMappings", err)
		}
		out = m
	case lg.NoDefaultOutput:
		out = map[string]any{}
	default:
		out, _ = local.(map[string]any)
	}
	if f := legacyCheckSize(st, in, out, local); f != nil {
		return nil, f
	}
	return union(parentLocal, out), nil
}

// legacyResume ends a callback task step once its report (or timeout) w
// arrived: the reported output (or the child's output) becomes the step's
// $local. A wait step's $local is {}.
func (r *run) legacyResume(fr *frame, st *flow.State, w *waiting) (any, *failure) {
	in, _ := w.input.(map[string]any)
	fr.stepIn = in
	env := &fr.env
	env.Input, env.Local, env.Output, env.Item, env.Global = in, nil, nil, nil, emptyGlobal
	fr.ctx.Current = eval.CurrentContext{Name: st.Name, Input: in, RetryCount: fr.retries, EventID: fr.entered}
	if w.err != nil {
		return nil, &failure{err: w.err, status: Failed}
	}
	if st.Type == flow.Wait {
		return r.legacyOutput(fr, st, in, map[string]any{})
	}
	// A reported output is the result itself, never an FC reply.
	local, f := legacyLocal(st, w.output)
	if f != nil {
		return nil, f
	}
	return r.legacyOutput(fr, st, in, local)
}

// legacyCatch applies a task's errorMappings when a catch rule fires: their
// $input is the step input and their $local is {"error": name, "cause":
// detail}. The result is merged into the scope's $local; without
// errorMappings nothing is merged.
func (r *run) legacyCatch(fr *frame, st *flow.State, e *Error) (any, *failure) {
	parentLocal, _ := fr.input.(map[string]any)
	if st.Legacy.ErrorMappings == nil {
		return parentLocal, nil
	}
	env := &fr.env
	local := map[string]any{"error": e.Name, "cause": e.Detail}
	env.Input, env.Local = fr.stepIn, local
	out, err := st.Legacy.ErrorMappings.Eval(env)
	if err != nil {
		return nil, exprFailure("errorMappings", err)
	}
	if f := legacyCheckSize(st, fr.stepIn, out, local); f != nil {
		return nil, f
	}
	return union(parentLocal, out), nil
}

// union returns a new map with the keys of a, then those of b (b wins).
// Either may be nil.
func union(a any, b map[string]any) map[string]any {
	am, _ := a.(map[string]any)
	m := make(map[string]any, len(am)+len(b))
	for k, v := range am {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// legacyCheckSize enforces input + output + local <= 32 KiB per step.
func legacyCheckSize(st *flow.State, in, out, local any) *failure {
	left := flow.LegacyMaxDataBytes
	for _, v := range [...]any{in, out, local} {
		n, ok := value.Size(v, left)
		if !ok || n > left {
			return fail(ErrorInvalidData, "step %q: input, output and $local together are larger than %d bytes", st.Name, flow.LegacyMaxDataBytes)
		}
		left -= n
	}
	return nil
}

// legacyTaskLocal turns a task result into the step's $local: the Body of an
// FC reply, the result itself for a sub-flow. null and "" become {}; any
// other non-object is FnF.InvalidData.
func legacyTaskLocal(st *flow.State, raw any) (any, *failure) {
	v := raw
	if st.Legacy.Result == flow.ResultBody {
		m, _ := raw.(map[string]any)
		v = m["Body"]
	}
	return legacyLocal(st, v)
}

// legacyLocal checks that a task's result v is an object: null and "" become
// {}, any other non-object is FnF.InvalidData.
func legacyLocal(st *flow.State, v any) (any, *failure) {
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case nil:
		return map[string]any{}, nil
	case string:
		if t == "" {
			return map[string]any{}, nil
		}
	}
	return nil, fail(ErrorInvalidData, "task step %q: the invocation result must be a JSON object, got %s", st.Name, value.Describe(v))
}

// legacyChoice runs the first choice whose condition holds (or the default):
// its inline steps, if any, on the choice step's input. $local is their
// result ({} without steps); the next step is the branch's goto, or the
// choice's next step in order.
func (r *run) legacyChoice(ctx context.Context, fr *frame, st *flow.State, in any) (int, any, *failure) {
	next, steps, chosen := st.Default, st.Legacy.DefaultSteps, -1
	for i := range st.Choices {
		b := &st.Choices[i]
		v, err := b.Condition.Eval(&fr.env)
		if err != nil {
			return 0, nil, exprFailure("condition", err)
		}
		ok, isBool := v.(bool)
		if !isBool {
			return 0, nil, fail(ErrorExpression, "condition %q yielded %s, not a boolean", b.Condition.Source(), value.Describe(v))
		}
		if ok {
			next, steps, chosen = b.Next, st.Legacy.ChoiceSteps[i], i
			break
		}
	}
	if steps == nil {
		return next, map[string]any{}, nil
	}
	fn := r.newFan(fr, fanLegacyChoice, in, nil, 1, 1)
	fn.choice, fn.next = chosen, next
	return r.legacyChoiceResult(ctx, fr, st)
}

// legacyChoiceResult runs the chosen inline steps of fr's choice on and
// returns the step after the choice and their $local.
func (r *run) legacyChoiceResult(ctx context.Context, fr *frame, st *flow.State) (int, any, *failure) {
	next := fr.fan.next
	outs, f := r.runFan(ctx, fr, st)
	if f != nil {
		return 0, nil, f
	}
	return next, outs[0], nil
}

// choiceSteps returns the inline steps of a legacy choice's branch
// (-1 = the default).
func choiceSteps(st *flow.State, choice int) *flow.Scope {
	if choice < 0 {
		return st.Legacy.DefaultSteps
	}
	return st.Legacy.ChoiceSteps[choice]
}

// The $local array of a legacy parallel or foreach step counts toward the
// step's 32 KiB (legacyCheckSize), so fanOut stops once it alone is larger.
var (
	legacyParallelSize = fanSize{what: "parallel step $local", limit: flow.LegacyMaxDataBytes, base: len(`[]`), entry: func(i int) int { return min(i, 1) }}
	legacyForeachSize  = fanSize{what: "foreach step $local", limit: flow.LegacyMaxDataBytes, base: len(`[]`), entry: func(i int) int { return min(i, 1) }}
)

// legacyParallel runs every branch on the step input; $local is the array of
// branch results.
func (r *run) legacyParallel(ctx context.Context, parent *frame, st *flow.State, in any) (any, *failure) {
	r.newFan(parent, fanLegacyParallel, in, nil, len(st.Branches), len(st.Branches))
	return r.legacyFanResult(ctx, parent, st)
}

// legacyFanResult runs parent's legacy parallel or foreach fan on; $local
// is the array of the children's results.
func (r *run) legacyFanResult(ctx context.Context, parent *frame, st *flow.State) (any, *failure) {
	outs, f := r.runFan(ctx, parent, st)
	if f != nil {
		return nil, f
	}
	return outs, nil
}

// legacyForeach runs the steps once per element of the collection, at most
// MaxConcurrency (100) at once. Each iteration's input is the step input
// with the item key set to the element and the index key (when named) to its
// zero-based position (Project decision 56); $local is the array of
// iteration results.
func (r *run) legacyForeach(ctx context.Context, parent *frame, st *flow.State, in map[string]any) (any, *failure) {
	lg := st.Legacy
	v, err := lg.Collection.Eval(&parent.env)
	if err != nil {
		return nil, exprFailure("collection", err)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fail(ErrorExpression, "collection %q yielded %s, not an array", lg.Collection.Source(), value.Describe(v))
	}
	r.newFan(parent, fanLegacyForeach, in, items, len(items), st.MaxConcurrency)
	return r.legacyFanResult(ctx, parent, st)
}

// foreachInput is the input of iteration i of a foreach step on input in.
func foreachInput(st *flow.State, in any, items []any, i int) map[string]any {
	lg := st.Legacy
	m, _ := in.(map[string]any)
	input := make(map[string]any, len(m)+2)
	for k, x := range m {
		input[k] = x
	}
	input[lg.Item] = items[i]
	if lg.Index != "" {
		input[lg.Index] = int64(i)
	}
	return input
}

// legacyWait pauses for the duration, or until the timestamp (a past one
// means no wait), suspending its frame as a Wait state does. A $.key value that is not a whole number of seconds within
// the mode's bounds (0 to 2 days; 1 to 20 seconds in Express), or not an RFC
// 3339 time at most that far ahead, fails the step with FnF.ExpressionError.
func (r *run) legacyWait(fr *frame, st *flow.State) *failure {
	lg := st.Legacy
	minWait, maxWait := lg.MinWait, lg.MaxWait
	if maxWait <= 0 {
		minWait, maxWait = flow.LegacyWaitBounds(r.flow.Mode())
	}
	d := lg.Duration
	switch {
	case lg.DurationExpr != nil:
		v, err := lg.DurationExpr.Eval(&fr.env)
		if err != nil {
			return exprFailure("duration", err)
		}
		lo, hi := int64(minWait/time.Second), int64(maxWait/time.Second)
		n, ok := wholeNumber(v)
		if !ok || n < lo || n > hi {
			return fail(ErrorExpression, "duration %s yielded %v; want a whole number of seconds from %d to %d", lg.DurationExpr.Source(), v, lo, hi)
		}
		d = time.Duration(n) * time.Second
	case lg.HasTimestamp:
		ts := lg.Timestamp
		if lg.TimestampExpr != nil {
			v, err := lg.TimestampExpr.Eval(&fr.env)
			if err != nil {
				return exprFailure("timestamp", err)
			}
			s, _ := v.(string)
			if ts, err = time.Parse(time.RFC3339, s); err != nil {
				return fail(ErrorExpression, "timestamp %s yielded %v; want an RFC 3339 time", lg.TimestampExpr.Source(), v)
			}
		}
		d = ts.Sub(r.opts.Clock.Now())
		if d > maxWait {
			return fail(ErrorExpression, "timestamp %s is more than %v ahead", ts.Format(time.RFC3339), maxWait)
		}
	}
	if d <= 0 {
		return nil
	}
	r.suspendFor(fr, d, fr.stepIn) // as a Wait state does (timer.go)
	return suspended
}
