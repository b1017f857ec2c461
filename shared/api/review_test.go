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

// UpdateFlow cannot change ExecutionMode (reference 10.2): the flow's own
// mode is accepted, another or an invalid one is InvalidArgument.
func TestHandler_UpdateFlow_ExecutionMode(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	wantOK(t, e.call(t, "UpdateFlow", map[string]string{"Name": "std", "ExecutionMode": "Standard", "Description": "same mode"}))
	r := e.call(t, "UpdateFlow", map[string]string{"Name": "std", "ExecutionMode": "Express", "Description": "other mode"})
	wantError(t, r, 400, "InvalidArgument", "Parameter error. ExecutionMode cannot be changed: flow std is Standard.")
	r = e.call(t, "UpdateFlow", map[string]string{"Name": "std", "ExecutionMode": "Turbo"})
	wantError(t, r, 400, "InvalidArgument", "Parameter error. ExecutionMode must be Standard or Express.")
	d := e.call(t, "DescribeFlow", map[string]string{"Name": "std"})
	if d.str("ExecutionMode") != "Standard" || d.str("Description") != "same mode" {
		t.Errorf("after UpdateFlow: ExecutionMode %q Description %q, want Standard and the accepted update", d.str("ExecutionMode"), d.str("Description"))
	}
}
