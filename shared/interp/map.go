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
// At most MaxConcurrency iterations are unfinished at once; an uncaught
// iteration error cancels the others and fails the state. Distributed mode
// (ProcessorConfig ExecutionMode: Express) runs in the engine the same way,
// with Express rules (checked when the flow was parsed), MaxItems, and an
// empty $Global. An iteration whose Task waits for a callback, or that
// waits in a Wait or a Retry interval, suspends alone and keeps its slot
// (see fan).
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
	fn := r.newFan(parent, fanMap, in, items, len(items), r.mapConcurrency(st))
	fn.noGlobal = parent.noGlobal || st.Distributed
	if st.Distributed {
		// The map run's gate holds each item until the (changeable)
		// limit lets it start; enough workers wait for any limit up to
		// the mode's maximum.
		fn.mapRun = maprun.New(parent.mapRun, len(items), st.MaxConcurrency, r.opts.Clock.Now())
		if r.onMapRun != nil {
			r.onMapRun(fn.mapRun)
		}
	}
	return r.mapResult(ctx, parent, st)
}

// mapConcurrency is how many workers a Map's fan uses: MaxConcurrency
// inline (capped by Options.MaxInlineMapConcurrency); the mode's maximum in
// distributed mode, where the map run's gate applies MaxConcurrency.
func (r *run) mapConcurrency(st *flow.State) int {
	if st.Distributed {
		return max(st.MaxConcurrency, flow.MaxDistributedMapConcurrency)
	}
	return min(st.MaxConcurrency, r.opts.MaxInlineMapConcurrency)
}

// mapResult runs parent's Map fan on, finishes a distributed Map's map run
// once the Map ends, and builds the output.
func (r *run) mapResult(ctx context.Context, parent *frame, st *flow.State) (any, *failure) {
	mr := parent.fan.mapRun
	outs, f := r.runFan(ctx, parent, st)
	if f == suspended {
		return nil, f
	}
	if mr != nil {
		status := maprun.Succeeded
		switch {
		case f == nil:
		case f.abort:
			status = maprun.Aborted
		default:
			status = maprun.Failed
		}
		mr.Finish(status, r.opts.Clock.Now())
	}
	if f != nil {
		return nil, f
	}
	return map[string]any{"Items": outs}, nil
}

// prepareMapChild makes k iteration i of parent's Map fan: it evaluates the
// ItemConstructor ($Input is the Map's input, $Item the item, $Context the
// Map's) and returns the iteration input.
func (r *run) prepareMapChild(parent *frame, st *flow.State, fn *fan, i int, k *frame) (any, *failure) {
	var input any = fn.items[i]
	if st.ItemConstructor != nil {
		r.initFrame(k, st.Processor, nil)
		k.ctx.Current = parent.ctx.Current
		k.env.Input, k.env.Item = fn.in, fn.items[i]
		if fn.noGlobal {
			k.env.Global = emptyGlobal
		} else {
			k.env.Global = r.loadGlobal()
		}
		m, err := st.ItemConstructor.Eval(&k.env)
		if err != nil {
			return nil, exprFailure("ItemConstructor", err)
		}
		if f := r.checkData(m, "the iteration input"); f != nil {
			return nil, f
		}
		input = m
	}
	r.initFrame(k, st.Processor, input)
	k.noGlobal = fn.noGlobal
	return input, nil
}

// mapSize sizes {"Items":[o0,o1,...]}: a comma before every output but the
// first.
var mapSize = fanSize{what: "Map output", base: len(`{"Items":[]}`), entry: func(i int) int { return min(i, 1) }}
