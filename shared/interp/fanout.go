package interp

import (
	"context"
	"sync"
	"sync/atomic"
)

// fanOut runs fn for indexes 0..n-1 on at most conc goroutines and collects
// the results in index order. The first failure cancels the others at their
// next step boundary; the reported failure is the one with the lowest index
// among those not caused by that cancellation (Project decision 19).
func (r *run) fanOut(ctx context.Context, n, conc int, fn func(ctx context.Context, i int, fr *frame) (any, *failure)) ([]any, *failure) {
	out := make([]any, n)
	if n == 0 {
		return out, nil
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fails := make([]*failure, n)
	var next atomic.Int64
	var failed atomic.Bool
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
			out[i] = v
		}
	}
	workers := min(conc, n)
	if workers <= 1 {
		work(&frame{})
	} else {
		var wg sync.WaitGroup
		wg.Add(workers)
		for range workers {
			go func() {
				defer wg.Done()
				work(&frame{})
			}()
		}
		wg.Wait()
	}
	if ctx.Err() != nil {
		return nil, abortFor(ctx)
	}
	var first *failure
	for _, f := range fails {
		if f == nil {
			continue
		}
		if !f.abort {
			return nil, f
		}
		if first == nil {
			first = f
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}
