package api_test

import "testing"

// A malformed CallbackFnFTaskToken is a parameter error, reported before the
// flow is looked up.
func TestHandler_StartExecution_CallbackTokenCheckedBeforeLookup(t *testing.T) {
	e := newEnv(t, nil, nil)
	r := e.call(t, "StartExecution", map[string]string{"FlowName": "nope", "CallbackFnFTaskToken": "abc"})
	wantError(t, r, 400, "InvalidArgument", "Parameter error. CallbackFnFTaskToken is not a task token issued by this service.")
}

// ListExecutions answers an unknown Qualifier as StartExecution does, not
// with an empty list.
func TestHandler_ListExecutions_UnknownQualifier(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	for _, q := range []string{"1", "nosuchalias"} {
		r := e.call(t, "ListExecutions", map[string]string{"FlowName": "std", "Qualifier": q})
		wantError(t, r, 400, "InvalidArgument", "Parameter error. Qualifier "+q+" names no version or alias of flow std.")
	}
}
