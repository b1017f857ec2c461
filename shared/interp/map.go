package interp

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// runMap runs the Processor once per item of ItemsPath and returns
// {"Items": [...]} in item order (reference 3.10). Each iteration's input is
// the ItemConstructor result, or the item itself (which may be a non-object).
// At most MaxConcurrency iterations run at once; an uncaught iteration error
// cancels the others and fails the state. Distributed mode (ProcessorConfig
// ExecutionMode: Express) runs in the engine the same way, with Express rules
// (checked when the flow was parsed), MaxItems, and an empty $Global. The whole
// Map runs inside one Machine.Step.
func (r *run) runMap(ctx context.Context, parent *frame, st *flow.State, in any) (any, *failure) {
	v, err := st.ItemsPath.Eval(&parent.env)
	if err != nil {
		return nil, exprFailure("ItemsPath", err)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fail(ErrorExpression, "ItemsPath %q yielded %s, not an array", st.ItemsPath.Source(), value.Describe(v))
	}
	if st.MaxItems > 0 && len(items) > st.MaxItems {
		return nil, fail(ErrorInvalidData, "ItemsPath yielded %d items, more than MaxItems %d", len(items), st.MaxItems)
	}
	conc := st.MaxConcurrency
	noGlobal := parent.noGlobal || st.Distributed
	if !st.Distributed {
		conc = min(conc, r.opts.MaxInlineMapConcurrency)
	}
	parentCur := parent.ctx.Current
	var mr *maprun.Run
	if st.Distributed {
		// The map run's gate holds each item until the (changeable)
		// limit lets it start; enough workers wait for any limit up to
		// the mode's maximum.
		mr = maprun.New(parent.mapRun, len(items), conc, r.opts.Clock.Now())
		conc = max(conc, flow.MaxDistributedMapConcurrency)
		if r.onMapRun != nil {
			r.onMapRun(mr)
		}
	}
	iterate := func(ctx context.Context, i int, fr *frame) (any, *failure) {
		var input any = items[i]
		if st.ItemConstructor != nil {
			r.initFrame(fr, st.Processor, nil)
			fr.ctx.Current = parentCur
			fr.env.Input, fr.env.Item = in, items[i]
			if noGlobal {
				fr.env.Global = emptyGlobal
			} else {
				fr.env.Global = r.loadGlobal()
			}
			m, err := st.ItemConstructor.Eval(&fr.env)
			if err != nil {
				return nil, exprFailure("ItemConstructor", err)
			}
			if f := r.checkData(m, "the iteration input"); f != nil {
				return nil, f
			}
			input = m
		}
		r.initFrame(fr, st.Processor, input)
		fr.noGlobal = noGlobal
		return r.runChild(ctx, fr, parent, st, i, input, iterationEvents)
	}
	if mr == nil {
		outs, f := r.fanOut(ctx, len(items), conc, mapSize, iterate)
		if f != nil {
			return nil, f
		}
		return map[string]any{"Items": outs}, nil
	}
	outs, f := r.fanOut(ctx, len(items), conc, mapSize, func(ctx context.Context, i int, fr *frame) (any, *failure) {
		if err := mr.Acquire(ctx); err != nil {
			return nil, abortFor(ctx)
		}
		out, f := iterate(ctx, i, fr)
		switch {
		case f == nil:
			mr.Release(maprun.Succeeded)
		case f.abort:
			mr.Release(maprun.Aborted)
		case mr.Release(maprun.Failed) && !f.fatal:
			return nil, nil // a tolerated failure: the item's output is null
		}
		return out, f
	})
	status := maprun.Succeeded
	switch {
	case f == nil:
	case f.abort:
		status = maprun.Aborted
	default:
		status = maprun.Failed
	}
	mr.Finish(status, r.opts.Clock.Now())
	if f != nil {
		return nil, f
	}
	return map[string]any{"Items": outs}, nil
}

// mapSize sizes {"Items":[o0,o1,...]}: a comma before every output but the
// first.
var mapSize = fanSize{what: "Map output", base: len(`{"Items":[]}`), entry: func(i int) int { return min(i, 1) }}
