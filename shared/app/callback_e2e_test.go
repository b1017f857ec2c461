package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const waitChildFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Child
States:
  - Name: Child
    Type: Task
    Action: FNF:StartExecution
    TaskMode: WaitForSystemCallback
    Parameters:
      resourceArn.$: $Input.arn
      executionName.$: $Input.name
      input:
        name: world
    Catch:
      - Errors: [FnF.ALL]
        Next: Caught
    End: true
  - Name: Caught
    Type: Pass
    End: true
`

// A Standard parent whose FNF:StartExecution Task waits for the system
// callback resumes with the child's output, or catches the child's error
// (reference 7.5).
func TestApp_FNFStartExecution_WaitForSystemCallback(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "parent", "Definition": define("parent", waitChildFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "child", "Definition": define("child", passFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "broken", "Definition": define("broken", failFlow)})

	// passFlow turns the child input {"name":"world"} into {"greeting":"world"}.
	out := runParent(t, a, "p1", map[string]string{"arn": "acs:fnf:cn-hangzhou::flow/child", "name": "c1"})
	if len(out) != 1 || out["greeting"] != "world" {
		t.Errorf("parent output = %v, want the child's output {\"greeting\":\"world\"}", out)
	}
	// failFlow fails with Code Order.Invalid and Detail "no items".
	out = runParent(t, a, "p2", map[string]string{"arn": "acs:fnf:cn-hangzhou::flow/broken", "name": "c2"})
	if out["Error"] != "Order.Invalid" || out["Cause"] != "no items" {
		t.Errorf("caught = %v, want the child's error Order.Invalid / no items", out)
	}
	child := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "broken", "ExecutionName": "c2"})
	if child["Status"] != "Failed" {
		t.Errorf("child = %v, want Failed", child)
	}
}

const httpCallbackFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Parameters:
      url.$: $Input.url
      method: POST
    End: true
`

// HTTP:Request in WaitForCustomCallback sends the task token in
// X-FnF-Http-Callback-Task-Token (reference 7.2, 7.4); whoever receives it
// reports the task through the API, and the execution ends with that output.
func TestApp_HTTPRequest_WaitForCustomCallback(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tokens := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens <- r.Header.Get("X-FnF-Http-Callback-Task-Token")
	}))
	defer srv.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "approve", "Definition": define("approve", httpCallbackFlow)})
	in, _ := json.Marshal(map[string]string{"url": srv.URL})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "approve", "ExecutionName": "e1", "Input": string(in)})

	var tok string
	select {
	case tok = <-tokens:
	case <-time.After(10 * time.Second):
		t.Fatal("the HTTP endpoint was not called")
	}
	if tok == "" {
		t.Fatal("request carried no X-FnF-Http-Callback-Task-Token")
	}
	// The task may still be persisting its submission (409 TaskInvalidState).
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := call(t, a.Handler, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `{"approved":true}`})
		if code == 200 {
			break
		}
		if code != 409 || time.Now().After(deadline) {
			t.Fatalf("ReportTaskSucceeded = %d %v, want 200", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "approve", "ExecutionName": "e1", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" || str(done["Output"]) != `{"approved":true}` {
		t.Errorf("execution = %v, want Succeeded with {\"approved\":true}", done)
	}
}

// Stopping a parent stops the child it waits for with the same Error and
// Cause (reference 7.1, 9.4; decision 32).
func TestApp_StopExecution_StopsWaitedForChild(t *testing.T) {
	a, err := New(Config{Store: StoreMemory, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sleepy := "Type: StateMachine\nSpecVersion: v1\nName: sleepy\nStartAt: Sleep\nStates:\n  - {Name: Sleep, Type: Wait, Seconds: 300, End: true}\n"
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "parent", "Definition": define("parent", waitChildFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "sleepy", "Definition": sleepy})
	in, _ := json.Marshal(map[string]string{"arn": "acs:fnf:cn-hangzhou::flow/sleepy", "name": "s1"})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "parent", "ExecutionName": "p1", "Input": string(in)})

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, child := call(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "sleepy", "ExecutionName": "s1"})
		if code == 200 && child["Status"] == "Running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child = %d %v, want it Running", code, child)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop := mustCall(t, a.Handler, "StopExecution", map[string]string{"FlowName": "parent", "ExecutionName": "p1", "Error": "Ops.Cancel", "Cause": "not needed"})
	if stop["Status"] != "Stopped" {
		t.Errorf("StopExecution(parent) = %v, want Stopped", stop)
	}
	child := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "sleepy", "ExecutionName": "s1"})
	if child["Status"] != "Stopped" {
		t.Fatalf("child = %v, want Stopped with its parent", child)
	}
	evs := history(t, a, "sleepy", "s1", 60)
	last := evs[len(evs)-1]
	if last["Type"] != "ExecutionStopped" {
		t.Fatalf("child history ends with %v, want ExecutionStopped", last)
	}
	wantDetail(t, last, map[string]any{"Error": "Ops.Cancel", "Cause": "not needed"})
	// The parent stays Stopped: the child's end does not report it again.
	parent := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "parent", "ExecutionName": "p1"})
	if parent["Status"] != "Stopped" {
		t.Errorf("parent = %v, want Stopped", parent)
	}
	// Stopping the finished parent again is ExecutionAlreadyCompleted (400).
	if code, body := call(t, a.Handler, "StopExecution", map[string]string{"FlowName": "parent", "ExecutionName": "p1"}); code != 400 || body["Code"] != "ExecutionAlreadyCompleted" {
		t.Errorf("second StopExecution = %d %v, want 400 ExecutionAlreadyCompleted", code, body)
	}
}
