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
// other branches and fails the state. The whole Parallel runs inside one
// Machine.Step.
func (r *run) runParallel(ctx context.Context, parent *frame, st *flow.State, in any) (any, *failure) {
	outs, f := r.fanOut(ctx, len(st.Branches), len(st.Branches), parallelSize, func(ctx context.Context, i int, fr *frame) (any, *failure) {
		r.initFrame(fr, st.Branches[i], in)
		fr.noGlobal = parent.noGlobal
		return r.runChild(ctx, fr, parent, st, i, in, branchEvents)
	})
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
