package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// tokenTasks serves callback tasks: each call sends its token on tokens,
// after waiting for gate when the action is Test:Gated.
type tokenTasks struct {
	tokens chan string
	gate   chan struct{}
}

func (tt *tokenTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	if call.Action == "Test:Gated" {
		select {
		case <-tt.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	tt.tokens <- call.TaskToken
	return map[string]any{"sent": true}, nil
}

const approveDef = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: "Test:%s"
    TaskMode: WaitForCustomCallback
    Parameters: {token.$: $Context.Current.TaskToken}
    OutputConstructor: {result.$: $Output}
    Catch:
      - Errors: [Rejected]
        Next: Rejected
    End: true
  - {Name: Rejected, Type: Pass, End: true}
`

func newCallbackEnv(t *testing.T) (*testEnv, *tokenTasks) {
	t.Helper()
	tasks := &tokenTasks{tokens: make(chan string, 4), gate: make(chan struct{})}
	env := newEnv(t, nil, func(o *execution.Options, _ *api.Options) {
		o.Engine = interp.New(interp.Options{Tasks: tasks})
	})
	for _, f := range []struct{ name, action string }{{"approve", "Submit"}, {"gated", "Gated"}} {
		wantOK(t, env.call(t, "CreateFlow", map[string]string{
			"Name": f.name, "Definition": fmt.Sprintf(approveDef, f.name, f.action), "Type": "FDL", "ExecutionMode": "Standard",
		}))
	}
	return env, tasks
}

// startWaiting starts an execution of flow and returns its task token once
// the task waits for a report.
func (e *testEnv) startWaiting(t *testing.T, tasks *tokenTasks, flowName, name, input string) string {
	t.Helper()
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "Input": input}))
	var tok string
	select {
	case tok = <-tasks.tokens:
	case <-time.After(5 * time.Second):
		t.Fatal("the task was never submitted")
	}
	e.waitFor(t, func() bool {
		h := e.call(t, "GetExecutionHistory", map[string]string{"FlowName": flowName, "ExecutionName": name})
		return strings.Contains(h.raw, `"TaskSubmitted"`)
	})
	return tok
}

func (e *testEnv) waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 250; i++ {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// finalExecution long-polls DescribeExecution until it ends.
func (e *testEnv) finalExecution(t *testing.T, flowName, name string) reply {
	t.Helper()
	var r reply
	e.waitFor(t, func() bool {
		r = e.call(t, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "WaitTimeSeconds": "1"})
		return r.str("Status") != "Running" && r.str("Status") != "Starting"
	})
	return r
}

func wantJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%q: %v", got, err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("JSON = %s, want %s", got, want)
	}
}

func TestReportTaskSucceeded_HTTP_Resumes(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	tok := env.startWaiting(t, tasks, "approve", "e1", `{"a":1}`)
	if d := env.call(t, "DescribeExecution", map[string]string{"FlowName": "approve", "ExecutionName": "e1"}); d.str("Status") != "Running" {
		t.Fatalf("waiting execution Status = %s, want Running", d.str("Status"))
	}
	r := env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `{"ok":true}`})
	wantOK(t, r)
	if id, _ := r.body["EventId"].(float64); id != 7 || r.str("RequestId") == "" {
		t.Errorf("EventId = %v, RequestId %q, want 7 (the TaskSucceeded event) and a request id", r.body["EventId"], r.str("RequestId"))
	}
	d := env.finalExecution(t, "approve", "e1")
	if d.str("Status") != "Succeeded" {
		t.Fatalf("Status = %s, want Succeeded (%s)", d.str("Status"), d.raw)
	}
	wantJSON(t, d.str("Output"), `{"result":{"ok":true}}`)
	h := env.call(t, "GetExecutionHistory", map[string]string{"FlowName": "approve", "ExecutionName": "e1"})
	evs, _ := h.body["Events"].([]any)
	var found bool
	for _, ev := range evs {
		m, _ := ev.(map[string]any)
		if m["Type"] == "TaskSucceeded" {
			found = m["EventId"] == float64(7) && m["ScheduleEventId"] == float64(4)
		}
	}
	if !found {
		t.Errorf("history %s has no TaskSucceeded event 7 of TaskScheduled 4", h.raw)
	}
	// The task has completed: a second report is refused.
	wantError(t, env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `{}`}),
		http.StatusBadRequest, "TaskAlreadyCompleted", "Task "+tok+" has already completed.")
}

func TestReportTaskFailed_HTTP_Catch(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	tok := env.startWaiting(t, tasks, "approve", "e2", `{}`)
	wantOK(t, env.call(t, "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "Rejected", "Cause": "no budget"}))
	d := env.finalExecution(t, "approve", "e2")
	if d.str("Status") != "Succeeded" {
		t.Fatalf("Status = %s, want Succeeded through Catch (%s)", d.str("Status"), d.raw)
	}
	wantJSON(t, d.str("Output"), `{"Error":"Rejected","Cause":"no budget"}`)

	// An error no rule catches fails the execution with it.
	tok = env.startWaiting(t, tasks, "approve", "e3", `{}`)
	wantOK(t, env.call(t, "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "Other"}))
	if d := env.finalExecution(t, "approve", "e3"); d.str("Status") != "Failed" {
		t.Fatalf("Status = %s, want Failed", d.str("Status"))
	}
}

func TestReportTask_HTTP_Errors(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	tok := env.startWaiting(t, tasks, "approve", "e4", `{}`)
	other, _ := token.New(nil, "other-account", "f", "e", 1)
	otherTok, _ := other.Encode()
	unknown, _ := token.New(nil, "default", "no-such-flow", "e", 1)
	unknownTok, _ := unknown.Encode()
	tests := []struct {
		name, action  string
		params        map[string]string
		status        int
		code, message string
	}{
		{"missing token", "ReportTaskSucceeded", map[string]string{"Output": "{}"}, 400, "MissingRequiredParams", "The HTTP query 'TaskToken' must be specified."},
		{"missing output", "ReportTaskSucceeded", map[string]string{"TaskToken": tok}, 400, "MissingRequiredParams", "The HTTP query 'Output' must be specified."},
		{"missing error", "ReportTaskFailed", map[string]string{"TaskToken": tok}, 400, "MissingRequiredParams", "The HTTP query 'Error' must be specified."},
		{"error too long", "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": strings.Repeat("e", 129)}, 400, "InvalidArgument", "Parameter error. Error must be 1 to 128 characters long."},
		{"cause too long", "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "E", "Cause": strings.Repeat("c", 4097)}, 400, "InvalidArgument", "Parameter error. Cause must be 1 to 4096 characters long."},
		{"cause empty", "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "E", "Cause": ""}, 400, "InvalidArgument", "Parameter error. Cause must be 1 to 4096 characters long."},
		{"malformed token", "ReportTaskSucceeded", map[string]string{"TaskToken": "not-a-token", "Output": "{}"}, 400, "InvalidArgument", "Parameter error. TaskToken is not a task token issued by this service."},
		{"unknown token", "ReportTaskFailed", map[string]string{"TaskToken": unknownTok, "Error": "E"}, 400, "InvalidArgument", "Parameter error. TaskToken names no execution."},
		{"other account", "ReportTaskSucceeded", map[string]string{"TaskToken": otherTok, "Output": "{}"}, 403, "AccessDenied", "The resources doesn't belong to you."},
		{"output not JSON", "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": "{nope"}, 400, "InvalidArgument", "Parameter error. Output is not valid JSON."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, env.call(t, tc.action, tc.params), tc.status, tc.code, tc.message)
		})
	}
	// None of the refused reports touched the task.
	wantOK(t, env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `"done"`}))
	if d := env.finalExecution(t, "approve", "e4"); d.str("Status") != "Succeeded" {
		t.Fatalf("Status = %s, want Succeeded", d.str("Status"))
	}
}

func TestReportTask_HTTP_BeforeWaiting(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	wantOK(t, env.call(t, "StartExecution", map[string]string{"FlowName": "gated", "ExecutionName": "g1"}))
	// The task is being submitted (the runner is held at the gate): build
	// the token it will get and report early.
	var flowID string
	d := env.call(t, "DescribeFlow", map[string]string{"Name": "gated"})
	flowID = d.str("Id")
	early, _ := token.New(nil, "default", flowID, "g1", 4)
	earlyTok, _ := early.Encode()
	env.waitFor(t, func() bool {
		r := env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": earlyTok, "Output": "{}"})
		if r.status == http.StatusConflict {
			wantError(t, r, http.StatusConflict, "TaskInvalidState", "Task is in an invalid state, please retry.")
			return true
		}
		return false
	})
	close(tasks.gate)
	tok := <-tasks.tokens
	env.waitFor(t, func() bool {
		r := env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": "{}"})
		return r.status == http.StatusOK
	})
	if d := env.finalExecution(t, "gated", "g1"); d.str("Status") != "Succeeded" {
		t.Fatalf("Status = %s, want Succeeded", d.str("Status"))
	}
	// A token of an earlier attempt with a right-looking shape but another
	// random part is refused as completed.
	wantError(t, env.call(t, "ReportTaskSucceeded", map[string]string{"TaskToken": earlyTok, "Output": "{}"}),
		http.StatusBadRequest, "TaskAlreadyCompleted", "Task "+earlyTok+" has already completed.")
}

func TestReportTask_HTTP_AfterStop(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	tok := env.startWaiting(t, tasks, "approve", "s1", `{}`)
	wantOK(t, env.call(t, "StopExecution", map[string]string{"FlowName": "approve", "ExecutionName": "s1"}))
	wantError(t, env.call(t, "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "E"}),
		http.StatusBadRequest, "TaskAlreadyCompleted", "Task "+tok+" has already completed.")
}

func TestStartExecution_HTTP_CallbackChildReportsParent(t *testing.T) {
	env, tasks := newCallbackEnv(t)
	child := "Type: StateMachine\nSpecVersion: v1\nName: child\nStartAt: S\nStates:\n  - {Name: S, Type: Pass, End: true}\n"
	failing := "Type: StateMachine\nSpecVersion: v1\nName: failing\nStartAt: F\nStates:\n  - {Name: F, Type: Fail, Code: Child.Broken, Detail: broken}\n"
	for name, def := range map[string]string{"child": child, "failing": failing} {
		wantOK(t, env.call(t, "CreateFlow", map[string]string{"Name": name, "Definition": def, "Type": "FDL", "ExecutionMode": "Standard"}))
	}
	tok := env.startWaiting(t, tasks, "approve", "p1", `{}`)
	wantOK(t, env.call(t, "StartExecution", map[string]string{"FlowName": "child", "ExecutionName": "c1", "Input": `{"x":1}`, "CallbackFnFTaskToken": tok}))
	d := env.finalExecution(t, "approve", "p1")
	if d.str("Status") != "Succeeded" {
		t.Fatalf("parent Status = %s, want Succeeded (%s)", d.str("Status"), d.raw)
	}
	wantJSON(t, d.str("Output"), `{"result":{"x":1}}`)

	tok = env.startWaiting(t, tasks, "approve", "p2", `{}`)
	wantOK(t, env.call(t, "StartExecution", map[string]string{"FlowName": "failing", "ExecutionName": "c2", "CallbackFnFTaskToken": tok}))
	if d := env.finalExecution(t, "approve", "p2"); d.str("Status") != "Failed" {
		t.Fatalf("parent Status = %s, want Failed with the child's error", d.str("Status"))
	}
	h := env.call(t, "GetExecutionHistory", map[string]string{"FlowName": "approve", "ExecutionName": "p2"})
	if !strings.Contains(h.raw, `Child.Broken`) {
		t.Errorf("parent history %s does not name the child's error", h.raw)
	}

	// A stopped child fails the parent task with FnF.ExecutionStopped.
	tok = env.startWaiting(t, tasks, "approve", "p3", `{}`)
	wantOK(t, env.call(t, "StartExecution", map[string]string{"FlowName": "gated", "ExecutionName": "c3", "CallbackFnFTaskToken": tok}))
	wantOK(t, env.call(t, "StopExecution", map[string]string{"FlowName": "gated", "ExecutionName": "c3"}))
	if d := env.finalExecution(t, "approve", "p3"); d.str("Status") != "Failed" {
		t.Fatalf("parent Status = %s, want Failed", d.str("Status"))
	}
	h = env.call(t, "GetExecutionHistory", map[string]string{"FlowName": "approve", "ExecutionName": "p3"})
	if !strings.Contains(h.raw, `FnF.ExecutionStopped`) {
		t.Errorf("parent history %s does not name FnF.ExecutionStopped", h.raw)
	}
}
