package interp

import (
	"context"
	"sync"
	"testing"
)

// TestFanOut_FatalFailureWinsOverLowerIndex: when a child fails with a
// catchable error and a higher-index child reaches a Fail state (fatal, not
// catchable, reference 3.8, decision 17), fanOut reports the fatal one so
// that the enclosing state's Catch cannot swallow it.
func TestFanOut_FatalFailureWinsOverLowerIndex(t *testing.T) {
	opts := Options{}.withDefaults()
	r := &run{opts: &opts}
	var both sync.WaitGroup
	both.Add(2)
	_, f := r.fanOut(context.Background(), 2, 2, fanSize{what: "test", entry: func(int) int { return 0 }},
		func(ctx context.Context, i int, fr *frame) (any, *failure) {
			both.Done()
			both.Wait() // both children run before either fails
			if i == 0 {
				return nil, fail(ErrorExpression, "catchable")
			}
			return nil, &failure{err: &Error{Name: "Fatal", Detail: "d"}, status: Failed, fatal: true}
		})
	if f == nil {
		t.Fatal("fanOut succeeded, want the fatal failure")
	}
	if !f.fatal || f.err.Name != "Fatal" || f.err.Detail != "d" {
		t.Errorf("failure = %+v (fatal %v), want the fatal Fatal/d", f.err, f.fatal)
	}
}
