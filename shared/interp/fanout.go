package interp

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fanSize describes the JSON object a fan-out builds from its results, so
// that fanOut can keep a running total of its encoded size: base is the size
// of the object without results, entry(i) what result i adds besides its own
// encoding (key, separators).
type fanSize struct {
	what  string // names the object in the error, e.g. "Map output"
	limit int    // 0 = MaxPayloadBytes
	base  int
	entry func(i int) int
}

// fanOut runs fn for indexes 0..n-1 on at most conc goroutines (the caller's
// and extra ones within Options.MaxInFlight, see takeSlot) and collects
// the results in index order. The first failure cancels the others at their
// next step boundary; the reported failure is the one with the lowest index
// among those not caused by that cancellation (Project decision 19), except
// that a fatal failure wins over catchable ones (decision 17).
//
// fanOut also adds up the encoded size of the results as they arrive (per
// sz): once the object they make would exceed the limit it cancels the
// remaining work and fails with FnF.InvalidData, so a Map of many large
// iteration outputs never holds much more than the limit (an iteration's own
// failure, when there is one, is still the one reported). When fanOut
// succeeds, the object's size is within the limit and need not be walked
// again.
func (r *run) fanOut(ctx context.Context, n, conc int, sz fanSize, fn func(ctx context.Context, i int, fr *frame) (any, *failure)) ([]any, *failure) {
	out := make([]any, n)
	limit := sz.limit
	if limit <= 0 {
		limit = r.opts.MaxPayloadBytes
	}
	if n == 0 {
		if sz.base > limit {
			return nil, sizeFailure(sz.what, limit, sz.base)
		}
		return out, nil
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fails := make([]*failure, n)
	var next atomic.Int64
	var failed atomic.Bool
	var total atomic.Int64
	total.Store(int64(sz.base))
	var sizeFail atomic.Pointer[failure]
	work := func(fr *frame) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n || failed.Load() {
				return
			}
			v, f := fn(cctx, i, fr)
			if f != nil {
				fails[i] = f
				failed.Store(true)
				cancel()
				return
			}
			// The walk stops early past what is left of the limit.
			left := limit - int(total.Load())
			add, _ := value.Size(v, max(left, 0))
			if t := total.Add(int64(add + sz.entry(i))); t > int64(limit) {
				sizeFail.CompareAndSwap(nil, sizeFailure(sz.what, limit, int(t)))
				failed.Store(true)
				cancel()
				return
			}
			out[i] = v
		}
	}
	// The calling goroutine works too; each extra worker needs one of the
	// execution's MaxInFlight slots, taken without waiting, so a nested
	// fan-out that finds none free runs its children here instead of
	// blocking while its ancestors hold slots.
	var wg sync.WaitGroup
	for range min(conc, n) - 1 {
		if !r.takeSlot() {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.inFlight.Add(-1)
			work(&frame{})
		}()
	}
	work(&frame{})
	wg.Wait()
	if ctx.Err() != nil {
		return nil, abortFor(ctx)
	}
	// A fatal failure (a Fail state, LimitExceeded) ends the whole
	// execution (reference 3.8, decision 17), so it wins over a lower-index
	// catchable one that the enclosing state's Catch would otherwise handle.
	var first, caught *failure
	for _, f := range fails {
		switch {
		case f == nil:
		case f.abort:
			if first == nil {
				first = f
			}
		case f.fatal:
			return nil, f
		case caught == nil:
			caught = f
		}
	}
	if caught != nil {
		return nil, caught
	}
	if sf := sizeFail.Load(); sf != nil {
		return nil, sf
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

// takeSlot reserves one of the execution's MaxInFlight fan-out goroutines
// if one is free; the caller releases it with r.inFlight.Add(-1).
func (r *run) takeSlot() bool {
	for {
		cur := r.inFlight.Load()
		if cur >= int64(r.opts.MaxInFlight) {
			return false
		}
		if r.inFlight.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

func sizeFailure(what string, limit, atLeast int) *failure {
	return fail(ErrorInvalidData, "the %s is larger than %d bytes (at least %d)", what, limit, atLeast)
}

// childEvents names the history events around one child run of a fan-out:
// a Parallel branch or a Map (foreach) iteration.
type childEvents struct{ entered, exited EventType }

var (
	branchEvents    = childEvents{BranchEntered, BranchExited}
	iterationEvents = childEvents{IterationEntered, IterationExited}
)

// runChild runs the prepared frame fr, child i of parent's state st, on
// input in, between its entered and exited history events when recording.
func (r *run) runChild(ctx context.Context, fr, parent *frame, st *flow.State, i int, in any, ev childEvents) (any, *failure) {
	if r.hist != nil {
		if _, ok := r.hist.emit(ev.entered, parent.entered, st.Name, detail{Input: in, Index: i, has: hasInput | hasIndex}); !ok {
			return nil, limitFailure(r)
		}
	}
	out, f := r.runScope(ctx, fr)
	if r.hist != nil && f == nil {
		if _, ok := r.hist.emit(ev.exited, parent.entered, st.Name, detail{Output: out, Index: i, has: hasOutput | hasIndex}); !ok {
			return nil, limitFailure(r)
		}
	}
	return out, f
}
