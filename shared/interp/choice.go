package interp

import (
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// runChoice evaluates the branches in order and returns the target of the
// first true condition, or the Default (reference 3.6). A condition that
// fails or yields a non-boolean fails the state with FnF.ExpressionError.
func (r *run) runChoice(fr *frame, st *flow.State) (int, *failure) {
	for i := range st.Choices {
		b := &st.Choices[i]
		v, err := b.Condition.Eval(&fr.env)
		if err != nil {
			return 0, exprFailure("Condition", err)
		}
		ok, isBool := v.(bool)
		if !isBool {
			return 0, fail(ErrorExpression, "Condition %q yielded %s, not a boolean", b.Condition.Source(), value.Describe(v))
		}
		if ok {
			return b.Next, nil
		}
	}
	return st.Default, nil
}
