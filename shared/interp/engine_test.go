package interp

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

type memRecorder struct {
	mu  sync.Mutex
	evs []Event
}

func (m *memRecorder) Record(_ string, ev Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, ev)
}

func TestEngine_Run_RecordsHistory(t *testing.T) {
	src := header + `StartAt: A
States:
  - {Name: A, Type: Pass, Next: T}
  - {Name: T, Type: Task, Action: "Test:Echo", Parameters: {x: 1}, End: true}
`
	rec := &memRecorder{}
	e := New(Options{Clock: newFakeClock(), Tasks: &testTasks{}, Recorder: rec})
	res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{Name: "h"})
	wantResult(t, res, Succeeded, `{"x":1}`, "")
	type ev struct {
		ID, Sched int64
		Type      EventType
		Step      string
	}
	var got []ev
	for _, x := range rec.evs {
		got = append(got, ev{x.ID, x.ScheduleID, x.Type, x.StepName})
		var d map[string]any
		if err := json.Unmarshal([]byte(x.Detail), &d); err != nil {
			t.Errorf("event %d detail %q: %v", x.ID, x.Detail, err)
		}
	}
	want := []ev{
		{1, 0, ExecutionStarted, ""},
		{2, 0, StepEntered, "A"}, {3, 2, StepStarted, "A"}, {4, 2, StepSucceeded, "A"}, {5, 2, StepExited, "A"},
		{6, 0, StepEntered, "T"}, {7, 6, StepStarted, "T"}, {8, 6, TaskScheduled, "T"}, {9, 8, TaskStarted, "T"},
		{10, 8, TaskSucceeded, "T"}, {11, 6, StepSucceeded, "T"}, {12, 6, StepExited, "T"},
		{13, 0, ExecutionSucceeded, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
}

func TestEngine_Run_EventLimit(t *testing.T) {
	src := header + `StartAt: A
States:
  - {Name: A, Type: Pass, Next: B}
  - {Name: B, Type: Pass, End: true}
`
	e := New(Options{Clock: newFakeClock(), Recorder: &memRecorder{}, MaxEvents: 6})
	res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{})
	wantResult(t, res, Failed, "", ErrorLimitExceeded)
}

func TestMachine_Checkpoint_Resume(t *testing.T) {
	src := header + `StartAt: A
States:
  - {Name: A, Type: Pass, GlobalConstructor: {g: 1}, OutputConstructor: {n: 1}, Next: T}
  - Name: T
    Type: Task
    Action: "Test:Flaky"
    InputConstructor: {failures: 2, error: E, g.$: $Global.g}
    Parameters: {failures.$: $Input.failures, error.$: $Input.error}
    Retry: [{Errors: [E], MaxAttempts: 5, IntervalSeconds: 1}]
    OutputConstructor: {attempt.$: $Output.attempt, g.$: $Input.g}
    End: true
`
	f := mustParse(t, flow.Standard, src)
	e := New(Options{Clock: newFakeClock(), Tasks: &testTasks{}})
	ctx := context.Background()
	m := e.Start(f, Execution{Name: "c", Input: []byte(`{}`)})
	// Step 1 runs A; step 2 runs T's first attempt, which fails and schedules a retry.
	for i := range 2 {
		if m.Step(ctx) {
			t.Fatalf("finished after step %d, want two unfinished steps", i+1)
		}
	}
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if cp.State != 1 || cp.RetryCount != 1 || !reflect.DeepEqual(cp.RuleAttempts, []int{1}) || string(cp.Global) != `{"g":1}` || string(cp.Input) != `{"n":1}` {
		t.Fatalf("checkpoint = %+v", cp)
	}
	b, _ := json.Marshal(cp)
	var back Checkpoint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	m2, err := e.Resume(f, Execution{Name: "c", Input: []byte(`{}`)}, back)
	if err != nil {
		t.Fatal(err)
	}
	for !m2.Step(ctx) {
	}
	wantResult(t, m2.Result(), Succeeded, `{"attempt":2,"g":1}`, "")
	if _, err := e.Resume(f, Execution{}, Checkpoint{State: 9}); err == nil {
		t.Error("Resume with a bad state index succeeded")
	}
}

// forgetTasks is testTasks that records Forget calls.
type forgetTasks struct {
	testTasks
	mu      sync.Mutex
	forgets []string
}

func (ft *forgetTasks) Forget(execution string) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.forgets = append(ft.forgets, execution)
}

func TestEngine_Run_ForgetsFinishedExecution(t *testing.T) {
	tests := []struct {
		name, src, input string
		status           Status
	}{
		{name: "succeeded", src: header + "StartAt: A\nStates:\n  - {Name: A, Type: Pass, End: true}\n", input: `{}`, status: Succeeded},
		{name: "failed", src: header + "StartAt: F\nStates:\n  - {Name: F, Type: Fail, Code: Boom, Detail: bad}\n", input: `{}`, status: Failed},
		{name: "bad input", src: header + "StartAt: A\nStates:\n  - {Name: A, Type: Pass, End: true}\n", input: `[1]`, status: Failed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tasks := &forgetTasks{}
			e := New(Options{Clock: newFakeClock(), Tasks: tasks})
			res := e.Run(context.Background(), mustParse(t, flow.Standard, tc.src), Execution{Name: "run-7", Input: []byte(tc.input)})
			if res.Status != tc.status {
				t.Fatalf("Status = %s (%s), want %s", res.Status, res.Cause, tc.status)
			}
			if len(tasks.forgets) != 1 || tasks.forgets[0] != "run-7" {
				t.Errorf("Forget calls = %q, want [run-7]", tasks.forgets)
			}
		})
	}
}

func TestMachine_Step_ForgetsOnlyAtTheEnd(t *testing.T) {
	src := header + "StartAt: A\nStates:\n  - {Name: A, Type: Pass, Next: B}\n  - {Name: B, Type: Pass, End: true}\n"
	tasks := &forgetTasks{}
	e := New(Options{Clock: newFakeClock(), Tasks: tasks})
	m := e.Start(mustParse(t, flow.Standard, src), Execution{Name: "m-1"})
	if m.Step(context.Background()) {
		t.Fatal("finished after one of two states")
	}
	if len(tasks.forgets) != 0 {
		t.Fatalf("Forget before the end: %q", tasks.forgets)
	}
	if !m.Step(context.Background()) {
		t.Fatal("not finished after both states")
	}
	if len(tasks.forgets) != 1 || tasks.forgets[0] != "m-1" {
		t.Errorf("Forget calls = %q, want [m-1]", tasks.forgets)
	}
}
