package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Legacy flows as public flows write them (reference 8.3, decisions 60-62),
// run on the real engine behind the API.

// fcStandIn is a Function Compute stand-in: it hands every invocation body
// to answer and replies with its JSON result.
func fcStandIn(t *testing.T, answer func(body map[string]any) any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		out, _ := json.Marshal(answer(body))
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newFCApp(t *testing.T, fcURL string) *App {
	t.Helper()
	a, err := New(Config{Store: StoreMemory, FCEndpoint: fcURL, Alibaba: AlibabaCredentials{AccessKeyID: "ak", AccessKeySecret: "sk"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// waitDone waits for an execution's end and returns DescribeExecution.
func waitDone(t *testing.T, a *App, flowName, name string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "WaitTimeSeconds": "5"})
		if d["Status"] != "Running" && d["Status"] != "Starting" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s/%s = %v, still running", flowName, name, d)
		}
	}
}

// reportSucceeded reports a waiting task, retrying while it is still
// persisting its submission (409 TaskInvalidState).
func reportSucceeded(t *testing.T, a *App, token, output string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := call(t, a.Handler, "ReportTaskSucceeded", map[string]string{"TaskToken": token, "Output": output})
		if code == 200 {
			return
		}
		if code != 409 || time.Now().After(deadline) {
			t.Fatalf("ReportTaskSucceeded = %d %v, want 200", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const legacyCallbackFlow = `version: v1beta1
type: flow
steps:
  - type: task
    name: approve
    resourceArn: acs:fc:cn-hangzhou:123:services/demo/functions/ask
    pattern: waitForCallback
    inputMappings:
      - {target: who, source: $input.who}
      - {target: taskToken, source: $context.task.token}
    outputMappings:
      - {target: approved, source: $local.approved}
      - {target: who, source: $input.who}
  - type: pass
    name: done
`

// $context.task.token is the callback task's token, handed to the function
// in its event; ReportTaskSucceeded with it resumes the step, whose $local
// is the reported output (decision 61).
func TestApp_Legacy_CallbackToken(t *testing.T) {
	tokens := make(chan string, 1)
	srv := fcStandIn(t, func(body map[string]any) any {
		tokens <- str(body["taskToken"])
		return map[string]any{}
	})
	a := newFCApp(t, srv.URL)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "approval", "Definition": legacyCallbackFlow})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "approval", "ExecutionName": "e1", "Input": `{"who":"ann"}`})
	var tok string
	select {
	case tok = <-tokens:
	case <-time.After(10 * time.Second):
		t.Fatal("the function was not invoked")
	}
	if tok == "" {
		t.Fatal("the function event has no taskToken")
	}
	reportSucceeded(t, a, tok, `{"approved":true}`)
	d := waitDone(t, a, "approval", "e1")
	if d["Status"] != "Succeeded" {
		t.Logf("history: %v", history(t, a, "approval", "e1", 100))
	}
	if d["Status"] != "Succeeded" || str(d["Output"]) != `{"approved":true,"who":"ann"}` {
		t.Errorf("execution = %v, want Succeeded with {\"approved\":true,\"who\":\"ann\"}", d)
	}
}

const legacyContextFlow = `version: v1
type: flow
steps:
  - type: pass
    name: first
  - type: pass
    name: names
    outputMappings:
      - {target: flow, source: $context.flow.name}
      - {target: execution, source: $context.execution.name}
      - {target: step, source: $context.step.name}
      - {target: eventId, source: $context.step.eventId}
`

// $context.execution.name, flow.name, step.name and step.eventId (the
// EventId of the step's StepEntered event) in a recorded execution.
func TestApp_Legacy_ContextValues(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "ctx", "Definition": legacyContextFlow})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "ctx", "ExecutionName": "run-1"})
	d := waitDone(t, a, "ctx", "run-1")
	// ExecutionStarted 1; first: StepEntered 2, StepStarted 3, StepSucceeded
	// 4, StepExited 5; names: StepEntered 6.
	want := `{"eventId":6,"execution":"run-1","flow":"ctx","step":"names"}`
	if d["Status"] != "Succeeded" || str(d["Output"]) != want {
		t.Fatalf("execution = %v, want Succeeded with %s", d, want)
	}
	for _, ev := range history(t, a, "ctx", "run-1", 100) {
		if ev["Type"] == "StepEntered" && ev["StepName"] == "names" && ev["EventId"] != float64(6) {
			t.Errorf("StepEntered of names = %v, want EventId 6", ev)
		}
	}
}

const legacyParentFlow = `version: v1beta1
type: flow
steps:
  - type: task
    name: start
    resourceArn: acs:fnf:::flow/nosuchflow
    pattern: sync
    inputMappings:
      - {target: job, source: $input.job}
      - {target: childName, source: $input.childName}
    serviceParams:
      FlowName: child
      ExecutionName: $.childName
      Input: $.job
    errorMappings:
      - {target: error, source: $local.error}
    catch:
      - errors: [FNF.ExecutionAlreadyExists]
        goto: again
  - type: succeed
    name: ok
  - type: pass
    name: again
`

// A sync sub-flow task with serviceParams (decision 62): FlowName overrides
// the ARN, Input $.job is the child input, ExecutionName names the child,
// and a second start with a finished child's name is
// FNF.ExecutionAlreadyExists (reference 9.3).
func TestApp_Legacy_ServiceParams(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "child", "Definition": define("child", passFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "lparent", "Definition": legacyParentFlow})
	in := `{"job":{"name":"world"},"childName":"c-1"}`
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "lparent", "ExecutionName": "p1", "Input": in})
	// passFlow turns {"name":"world"} into {"greeting":"world"}; the step's
	// $local is the child output and, without outputMappings, its output.
	if d := waitDone(t, a, "lparent", "p1"); d["Status"] != "Succeeded" || str(d["Output"]) != `{"greeting":"world"}` {
		t.Errorf("parent p1 = %v, want Succeeded with the child's output", d)
	}
	child := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "child", "ExecutionName": "c-1"})
	if child["Status"] != "Succeeded" || str(child["Input"]) != `{"name":"world"}` {
		t.Errorf("child c-1 = %v, want Succeeded with input {\"name\":\"world\"}", child)
	}
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "lparent", "ExecutionName": "p2", "Input": in})
	if d := waitDone(t, a, "lparent", "p2"); d["Status"] != "Succeeded" || str(d["Output"]) != `{"error":"FNF.ExecutionAlreadyExists"}` {
		t.Errorf("parent p2 = %v, want the caught FNF.ExecutionAlreadyExists", d)
	}
}

const legacyLoopFlow = `version: v1
type: flow
steps:
  - type: task
    name: bump
    resourceArn: acs:fc:cn-hangzhou:123:services/demo/functions/bump
  - type: choice
    name: more
    choices:
      - condition: $.round <= 3
        steps:
          - type: task
            name: restart
            action: fnf:StartExecution
            inputMappings:
              - {target: flow_name, source: $context.flow.name}
              - {target: execution_name, source: $input.next_name}
              - {target: round, source: $input.round}
            serviceParams:
              FlowName: $.flow_name
              ExecutionName: $.execution_name
              Input: $
`

// The self-restarting pattern of public flows: a flow starts a new
// execution of itself with action: fnf:StartExecution, FlowName from
// $context.flow.name (decisions 61, 62). The function bumps the round.
func TestApp_Legacy_SelfRestart(t *testing.T) {
	srv := fcStandIn(t, func(body map[string]any) any {
		r, _ := body["round"].(float64)
		next := int(r) + 1
		return map[string]any{"round": next, "next_name": "loop-" + string(rune('0'+next))}
	})
	a := newFCApp(t, srv.URL)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "loop", "Definition": legacyLoopFlow})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "loop", "ExecutionName": "loop-1", "Input": `{"round":1}`})
	// loop-1 bumps to 2 and starts loop-2, which starts loop-3; loop-3 bumps
	// to 4 and stops.
	for _, name := range []string{"loop-1", "loop-2", "loop-3"} {
		if d := waitDone(t, a, "loop", name); d["Status"] != "Succeeded" {
			t.Fatalf("%s = %v, want Succeeded", name, d)
		}
	}
	d := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "loop", "ExecutionName": "loop-3"})
	if str(d["Input"]) != `{"execution_name":"loop-3","flow_name":"loop","round":3}` {
		t.Errorf("loop-3 input = %s, want what loop-2 started it with", str(d["Input"]))
	}
	if code, body := call(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "loop", "ExecutionName": "loop-4"}); code != 404 || body["Code"] != "ExecutionNotExists" {
		t.Errorf("DescribeExecution(loop-4) = %d %v, want ExecutionNotExists", code, body)
	}
}
