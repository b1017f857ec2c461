package interp

import (
	"math"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// runWait pauses for Seconds (or the value of Seconds.$) on the engine clock
// (reference 3.5). An expression value that is not a whole number in 1 to the
// mode's maximum fails the state with FnF.ExpressionError. The Wait does not
// sleep inside the Step, at any depth: it suspends its frame until its due
// time (timer.go), its siblings go on, and once the whole Machine is
// suspended the next Step sleeps whatever is left (or the caller parks the
// execution, see Machine.Parked). in is the state's input after its
// InputConstructor, which becomes its output.
func (r *run) runWait(fr *frame, st *flow.State, in any) *failure {
	secs := st.Seconds
	if st.SecondsExpr != nil {
		v, err := st.SecondsExpr.Eval(&fr.env)
		if err != nil {
			return exprFailure("Seconds.$", err)
		}
		n, ok := wholeNumber(v)
		if !ok || n < 1 || n > int64(st.MaxSeconds) {
			return fail(ErrorExpression, "Seconds.$ yielded %v; want a whole number from 1 to %d", v, st.MaxSeconds)
		}
		secs = int(n)
	}
	r.suspendFor(fr, time.Duration(secs)*time.Second, in)
	return suspended
}

// suspendFor suspends fr on a Wait of d whose output will be in.
func (r *run) suspendFor(fr *frame, d time.Duration, in any) {
	fr.wait = &waiting{deadline: r.opts.Clock.Now().Add(d), entered: fr.entered, input: in}
}

// wholeNumber accepts integral numbers.
func wholeNumber(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	}
	return 0, false
}
