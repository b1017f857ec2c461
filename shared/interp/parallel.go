package interp

import (
	"context"
	"strconv"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// branchKeys are the output keys Branch0 ... Branch49.
var branchKeys = func() []string {
	k := make([]string, flow.MaxBranches)
	for i := range k {
		k[i] = "Branch" + strconv.Itoa(i)
	}
	return k
}()

// runParallel runs every branch concurrently on the same input and returns
// {"Branch0": out0, ...} (reference 3.9). An uncaught branch error cancels the
// other branches and fails the state. A branch whose Task waits for a
// callback, or that waits in a Wait or a Retry interval, suspends alone;
// once all are suspended the state waits (see fan).
func (r *run) runParallel(ctx context.Context, parent *frame, st *flow.State, in any) (any, *failure) {
	r.newFan(parent, fanParallel, in, nil, len(st.Branches), len(st.Branches))
	return r.parallelResult(ctx, parent, st)
}

// parallelResult runs parent's Parallel fan on and builds its output.
func (r *run) parallelResult(ctx context.Context, parent *frame, st *flow.State) (any, *failure) {
	outs, f := r.runFan(ctx, parent, st)
	if f != nil {
		return nil, f
	}
	m := make(map[string]any, len(outs))
	for i, o := range outs {
		m[branchKey(i)] = o
	}
	return m, nil
}

// parallelSize sizes {"Branch0":o0,"Branch1":o1,...}: per output its quoted
// key, a colon and a comma before every output but the first.
var parallelSize = fanSize{what: "Parallel output", base: len(`{}`), entry: func(i int) int { return len(branchKey(i)) + 3 + min(i, 1) }}

func branchKey(i int) string {
	if i < len(branchKeys) {
		return branchKeys[i]
	}
	return "Branch" + strconv.Itoa(i)
}
