package interp

import "github.com/cloudflow-oss/cloudflow/shared/flow"

// runFail ends the whole execution (reference 3.8): the failure is fatal, so
// no enclosing Parallel or Map can retry or catch it (Project decision 17).
// Without a Code the error name is "" and the cause is the Detail.
func runFail(st *flow.State) *failure {
	return &failure{err: &Error{Name: st.Code, Detail: st.Detail}, status: Failed, fatal: true}
}
