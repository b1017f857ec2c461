package interp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// callbackFlow waits in Approve (WaitForCustomCallback) and passes the token
// to the runner in Parameters.
const callbackFlow = header + `StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: "Test:Echo"
    TaskMode: WaitForCustomCallback
    Timeout: "60"
    InputConstructor: {order.$: $Input.order}
    Parameters: {token.$: $Context.Current.TaskToken, order.$: $Input.order}
    OutputConstructor: {approved.$: $Output.ok, order.$: $Input.order}
    Retry:
      - Errors: [Retryable]
        MaxAttempts: 1
        IntervalSeconds: 2
    Catch:
      - Errors: [Rejected]
        Next: Rejected
    Next: Done
  - {Name: Done, Type: Succeed}
  - {Name: Rejected, Type: Pass, End: true}
`

// startCallback starts callbackFlow with numbered tokens and steps it until
// it waits.
func startCallback(t *testing.T, src string) (*Engine, *flow.Flow, *Machine, *memRecorder, *fakeClock, *testTasks) {
	t.Helper()
	clock := newFakeClock()
	tasks := &testTasks{clock: clock}
	e := New(Options{Clock: clock, Tasks: tasks})
	f := mustParse(t, flow.Standard, src)
	rec := &memRecorder{}
	m := e.Start(f, execWithTokens("exec-1", rec))
	stepUntilWaiting(t, m)
	return e, f, m, rec, clock, tasks
}

func execWithTokens(name string, rec Recorder) Execution {
	return Execution{
		Name: name, Input: []byte(`{"order":"o1","other":true}`), Recorder: rec,
		NewTaskToken: func(id int64) (string, error) { return fmt.Sprintf("tok-%d", id), nil },
	}
}

func stepUntilWaiting(t *testing.T, m *Machine) string {
	t.Helper()
	for i := 0; i < 20; i++ {
		if tok, _, ok := m.Waiting(); ok {
			return tok
		}
		if m.Step(context.Background()) {
			t.Fatalf("execution finished (%+v) before waiting", m.Result())
		}
	}
	t.Fatal("Machine never waited")
	return ""
}

func runToEnd(t *testing.T, m *Machine) Result {
	t.Helper()
	for i := 0; i < 50 && !m.Step(context.Background()); i++ {
		if _, _, ok := m.Waiting(); ok {
			t.Fatal("Machine waits again")
		}
	}
	if !m.Done() {
		t.Fatal("Machine did not finish")
	}
	return m.Result()
}

func TestMachine_Complete_Succeeds(t *testing.T) {
	_, _, m, rec, clock, tasks := startCallback(t, callbackFlow)
	tok, deadline, _ := m.Waiting()
	if want := "tok-4"; tok != want { // ExecutionStarted 1, StepEntered 2, StepStarted 3, TaskScheduled 4
		t.Fatalf("Waiting() token = %q, want %q", tok, want)
	}
	if want := clock.Now().Add(60 * time.Second); !deadline.Equal(want) {
		t.Errorf("Waiting() deadline = %v, want %v", deadline, want)
	}
	calls := tasks.Calls()
	if len(calls) != 1 || calls[0].TaskToken != tok || calls[0].Parameters.(map[string]any)["token"] != tok {
		t.Fatalf("runner calls = %+v, want one with TaskToken and Parameters.token %q", calls, tok)
	}
	// Stepping while waiting does nothing.
	if m.Step(context.Background()) {
		t.Fatal("Step while waiting finished the execution")
	}
	id, err := m.Complete(tok, map[string]any{"ok": true})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if id != 7 { // TaskStarted 5, TaskSubmitted 6
		t.Errorf("Complete event id = %d, want 7", id)
	}
	if _, _, ok := m.Waiting(); ok {
		t.Error("Waiting() after Complete = true, want false")
	}
	wantResult(t, runToEnd(t, m), Succeeded, `{"approved":true,"order":"o1"}`, "")
	want := []EventType{ExecutionStarted, StepEntered, StepStarted, TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded, StepSucceeded, StepExited}
	for i, typ := range want {
		if i >= len(rec.evs) || rec.evs[i].Type != typ {
			t.Fatalf("events = %v, want prefix %v", rec.evs, want)
		}
	}
	if ev := rec.evs[6]; ev.ID != 7 || ev.ScheduleID != 4 || ev.Detail != `{"Output":{"ok":true}}` {
		t.Errorf("TaskSucceeded event = %+v, want id 7, schedule 4, Output detail", ev)
	}
}

func TestMachine_Report_Errors(t *testing.T) {
	_, _, m, _, _, _ := startCallback(t, callbackFlow)
	tok, _, _ := m.Waiting()
	if _, err := m.Complete("other", map[string]any{}); !errors.Is(err, ErrTokenMismatch) {
		t.Errorf("Complete(other) error = %v, want ErrTokenMismatch", err)
	}
	if _, err := m.Fail(tok, "Rejected", "no"); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	if _, err := m.Complete(tok, map[string]any{}); !errors.Is(err, ErrAlreadyReported) {
		t.Errorf("second report error = %v, want ErrAlreadyReported", err)
	}
	wantResult(t, runToEnd(t, m), Succeeded, `{"Error":"Rejected","Cause":"no"}`, "")
	if _, err := m.Complete(tok, map[string]any{}); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("report after the end error = %v, want ErrNotWaiting", err)
	}
	fresh := New(Options{Clock: newFakeClock()}).Start(mustParse(t, flow.Standard, callbackFlow), Execution{Name: "x"})
	if _, err := fresh.Fail("tok", "E", ""); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("report before submission error = %v, want ErrNotWaiting", err)
	}
}

func TestMachine_Fail_RetryGetsNewToken(t *testing.T) {
	_, _, m, rec, clock, tasks := startCallback(t, callbackFlow)
	first, _, _ := m.Waiting()
	if _, err := m.Fail(first, "Retryable", "later"); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	second := stepUntilWaiting(t, m)
	if second == first {
		t.Fatalf("retry token = %q, the same as the first attempt's", second)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("sleeps = %v, want [2s] of retry backoff", got)
	}
	if calls := tasks.Calls(); len(calls) != 2 || calls[1].RetryCount != 1 {
		t.Errorf("runner calls = %+v, want 2, the second with RetryCount 1", calls)
	}
	if _, err := m.Complete(first, map[string]any{}); !errors.Is(err, ErrTokenMismatch) {
		t.Errorf("report with the first token error = %v, want ErrTokenMismatch", err)
	}
	if _, err := m.Complete(second, map[string]any{"ok": false}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	wantResult(t, runToEnd(t, m), Succeeded, `{"approved":false,"order":"o1"}`, "")
	var failed int
	for _, ev := range rec.evs {
		if ev.Type == TaskFailed {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("TaskFailed events = %d, want 1", failed)
	}
}

func TestMachine_Step_CallbackTimeout(t *testing.T) {
	src := header + `StartAt: W
States:
  - Name: W
    Type: Task
    Action: "Test:Echo"
    TaskMode: WaitForCustomCallback
    Timeout: "30"
    Catch:
      - Errors: [FnF.Timeout]
        Next: Late
    End: true
  - {Name: Late, Type: Pass, End: true}
`
	_, _, m, rec, clock, _ := startCallback(t, src)
	// Not yet due.
	_ = clock.Sleep(context.Background(), 29*time.Second)
	if m.Step(context.Background()) {
		t.Fatal("finished before the Timeout")
	}
	if _, _, ok := m.Waiting(); !ok {
		t.Fatal("not waiting before the Timeout")
	}
	_ = clock.Sleep(context.Background(), time.Second)
	wantResult(t, runToEnd(t, m), Succeeded, `{"Error":"FnF.Timeout","Cause":"task W was not reported within its Timeout"}`, "")
	var timedOut bool
	for _, ev := range rec.evs {
		timedOut = timedOut || ev.Type == TaskTimedOut
	}
	if !timedOut {
		t.Errorf("events %v have no TaskTimedOut", rec.evs)
	}
}

func TestEngine_Resume_Waiting(t *testing.T) {
	e, f, m, _, _, _ := startCallback(t, callbackFlow)
	tok, deadline, _ := m.Waiting()
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if cp.Wait == nil || cp.Wait.Token != tok || !cp.Wait.Deadline.Equal(deadline) {
		t.Fatalf("Checkpoint.Wait = %+v, want token %q deadline %v", cp.Wait, tok, deadline)
	}
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var back Checkpoint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	rec := &memRecorder{}
	m2, err := e.Resume(f, execWithTokens("exec-1", rec), back)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got, _, ok := m2.Waiting(); !ok || got != tok {
		t.Fatalf("resumed Waiting() = %q, %v, want %q, true", got, ok, tok)
	}
	id, err := m2.Complete(tok, map[string]any{"ok": "yes"})
	if err != nil || id != 7 {
		t.Fatalf("Complete = %d, %v, want 7, nil", id, err)
	}
	// A checkpoint between the report and the next Step keeps the result.
	cp2, err := m2.Checkpoint()
	if err != nil || cp2.Wait == nil || !cp2.Wait.Reported {
		t.Fatalf("Checkpoint after report = %+v, %v, want a reported wait", cp2.Wait, err)
	}
	m3, err := e.Resume(f, execWithTokens("exec-1", rec), cp2)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	wantResult(t, runToEnd(t, m3), Succeeded, `{"approved":"yes","order":"o1"}`, "")
	if n := len(rec.evs); n == 0 || rec.evs[0].Type != TaskSucceeded || rec.evs[1].ID != 8 || rec.evs[1].ScheduleID != 2 {
		t.Errorf("resumed events = %v, want TaskSucceeded 7 then StepSucceeded 8 of step 2", rec.evs)
	}
}

func TestEngine_Run_CallbackNeedsStoredRun(t *testing.T) {
	res, _, _ := runFlow(t, callbackFlow, `{"order":1}`)
	wantResult(t, res, Failed, "", ErrorActionNotSupported)
}

func TestMachine_Step_SystemCallbackSubmitted(t *testing.T) {
	src := header + `StartAt: C
States:
  - {Name: C, Type: Task, Action: "Test:Submit", TaskMode: WaitForSystemCallback, End: true}
`
	e := New(Options{Clock: newFakeClock(), Tasks: submitRunner{}})
	m := e.Start(mustParse(t, flow.Standard, src), Execution{Name: "s"})
	tok := stepUntilWaiting(t, m)
	if _, err := m.Fail(tok, "Child.Failed", "boom"); err != nil {
		t.Fatal(err)
	}
	got := runToEnd(t, m)
	if got.Status != Failed || got.Error != "Child.Failed" || got.Cause != "boom" {
		t.Errorf("Result = %+v, want Failed Child.Failed boom", got)
	}
}

// submitRunner answers every call with Submitted.
type submitRunner struct{}

func (submitRunner) Invoke(context.Context, TaskCall) (any, error) { return Submitted{}, nil }
