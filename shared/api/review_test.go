package api_test

import "testing"

// A malformed CallbackFnFTaskToken is a parameter error, reported before the
// flow is looked up.
func TestHandler_StartExecution_CallbackTokenCheckedBeforeLookup(t *testing.T) {
	e := newEnv(t, nil, nil)
	r := e.call(t, "StartExecution", map[string]string{"FlowName": "nope", "CallbackFnFTaskToken": "abc"})
	wantError(t, r, 400, "InvalidArgument", "Parameter error. CallbackFnFTaskToken is not a task token issued by this service.")
}
