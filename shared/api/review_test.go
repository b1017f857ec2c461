package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

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

// A key given twice in a JSON object body is refused like a repeated query
// or form parameter, whichever value comes last.
func TestHandler_ServeHTTP_DuplicateJSONKeys(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	for _, body := range []string{
		`{"Name":"other","Name":"std"}`,
		`{"Name":"std","Name":null}`,
		`{"Name":"std","N\u0061me":"std"}`,
	} {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/?Action=DescribeFlow&Version="+api.Version, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		wantError(t, do(t, req), 400, "InvalidArgument", `Parameter error. "Name" must be given at most once.`)
	}
	// Nested objects may repeat keys of the top level.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?Action=StartExecution&Version="+api.Version, strings.NewReader(`{"FlowName":"std","Input":{"FlowName":1}}`))
	req.Header.Set("Content-Type", "application/json")
	wantOK(t, do(t, req))
}

// History events without a step (the execution's own events) omit
// StepName rather than sending it empty (reference 10.1).
func TestHandler_GetExecutionHistory_StepNameOmittedWhenEmpty(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "e1"}))
	waitStatus(t, e, "std", "e1", "Succeeded")
	r := e.call(t, "GetExecutionHistory", map[string]string{"FlowName": "std", "ExecutionName": "e1"})
	wantOK(t, r)
	evs, _ := r.body["Events"].([]any)
	if len(evs) == 0 {
		t.Fatalf("no events in %s", r.raw)
	}
	for _, v := range evs {
		ev, _ := v.(map[string]any)
		name, has := ev["StepName"]
		if has && name == "" {
			t.Errorf("event %v has an empty StepName; want it omitted", ev)
		}
		if strings.HasPrefix(ev["Type"].(string), "Execution") == has {
			t.Errorf("event %v: StepName present = %v, want it only on step events", ev, has)
		}
	}
}
