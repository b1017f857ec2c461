package interp

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

func TestTask_Run_Cases(t *testing.T) {
	tests := []struct {
		name, src, input, want, wantErr string
		wantSleeps                      []time.Duration
	}{
		{
			name: "result replaces the input; Parameters evaluated",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Echo"
    Parameters: {body: {order.$: $Input.order, attempt.$: $Context.Current.RetryCount}, fixed: x}
    End: true
`,
			input: `{"order":"o1","keep":1}`, want: `{"body":{"order":"o1","attempt":0},"fixed":"x"}`,
		},
		{
			name: "OutputConstructor reads raw $Output, GlobalConstructor too",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Echo"
    Parameters: {r: 1}
    OutputConstructor: {receipt.$: $Output.r, g.$: $Global}
    GlobalConstructor: {seen.$: $Output.r}
    Next: U
  - {Name: U, Type: Pass, OutputConstructor: {before.$: $Input.g, after.$: $Global.seen}, End: true}
`,
			input: `{}`, want: `{"before":{},"after":1}`,
		},
		{
			name: "retry with backoff then success; RetryCount counts retries",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Flaky"
    Parameters: {failures: 3, error: FC.ResourceThrottled}
    Retry:
      - Errors: [FC.ResourceThrottled]
        MaxAttempts: 4
        IntervalSeconds: 1
        BackoffRate: 2
        MaxBackoffSeconds: 3
    End: true
`,
			input: `{}`, want: `{"attempt":3}`,
			wantSleeps: []time.Duration{1 * time.Second, 2 * time.Second, 3 * time.Second},
		},
		{
			name: "retries exhausted then Catch without OutputConstructor",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Fail"
    Parameters: {error: Oops, cause: broken}
    Retry:
      - {Errors: [Oops], MaxAttempts: 2, IntervalSeconds: 10}
    Catch:
      - {Errors: [Other], Next: Wrong}
      - {Errors: [FnF.ALL], Next: Handled}
    End: true
  - {Name: Wrong, Type: Fail, Detail: wrong catch}
  - {Name: Handled, Type: Pass, End: true}
`,
			input: `{}`, want: `{"Error":"Oops","Cause":"broken"}`,
			wantSleeps: []time.Duration{10 * time.Second, 10 * time.Second},
		},
		{
			name: "Catch OutputConstructor reads the error and $Input",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    InputConstructor: {id: 7}
    Action: "Test:Fail"
    Parameters: {error: Oops, cause: broken}
    Catch:
      - Errors: [FnF.ALL]
        OutputConstructor:
          reason.$: $Context.Current.Error.Code
          detail.$: $Context.Current.Error.Detail
          id.$: $Input.id
        Next: Refund
    End: true
  - {Name: Refund, Type: Pass, End: true}
`,
			input: `{}`, want: `{"reason":"Oops","detail":"broken","id":7}`,
		},
		{
			name: "first matching Retry rule applies, BackoffRate defaults to 1",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Flaky"
    Parameters: {failures: 2, error: E}
    Retry:
      - {Errors: [E], MaxAttempts: 5, IntervalSeconds: 4}
      - {Errors: [FnF.ALL], MaxAttempts: 5, IntervalSeconds: 100}
    End: true
`,
			input: `{}`, want: `{"attempt":2}`,
			wantSleeps: []time.Duration{4 * time.Second, 4 * time.Second},
		},
		{
			name: "uncaught task error fails the execution",
			src: header + `StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Fail", Parameters: {error: HTTP.503, cause: down}, End: true}
`,
			input: `{}`, wantErr: "HTTP.503",
		},
		{
			name: "non-Error runner failure is FnF.TaskFailed",
			src: header + `StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Plain", End: true}
`,
			input: `{}`, wantErr: ErrorTaskFailed,
		},
		{
			name: "bad Timeout.$ is FnF.ExpressionError",
			src: header + `StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Echo", Timeout.$: $Input.t, End: true}
`,
			input: `{"t":-1}`, wantErr: ErrorExpression,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, clock, _ := runFlow(t, tc.src, tc.input)
			if tc.wantErr != "" {
				wantResult(t, res, Failed, "", tc.wantErr)
				return
			}
			wantResult(t, res, Succeeded, tc.want, "")
			if got := clock.Sleeps(); !reflect.DeepEqual(got, tc.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tc.wantSleeps)
			}
		})
	}
}

type constTasks struct{ v any }

func (c constTasks) Invoke(context.Context, TaskCall) (any, error) { return c.v, nil }

func TestTask_Run_NonObjectResult(t *testing.T) {
	src := header + "StartAt: T\nStates:\n  - {Name: T, Type: Task, Action: \"X:Y\", End: true}\n"
	e := New(Options{Clock: newFakeClock(), Tasks: constTasks{v: "just a string"}})
	res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{})
	wantResult(t, res, Failed, "", ErrorInvalidData)
}

func TestTask_Run_NoRunner(t *testing.T) {
	src := header + "StartAt: T\nStates:\n  - {Name: T, Type: Task, Action: \"FC:InvokeFunction\", End: true}\n"
	res := New(Options{Clock: newFakeClock()}).Run(context.Background(), mustParse(t, flow.Standard, src), Execution{})
	wantResult(t, res, Failed, "", ErrorActionNotSupported)
}

func TestTask_Run_Timeout(t *testing.T) {
	// The Task Timeout runs on the engine's clock: a task sleeping 30 s on the
	// fake clock is cut off after 45 s only when it sleeps longer.
	src := header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Sleep"
    Timeout: "45"
    Parameters: {seconds.$: $Input.s}
    Catch:
      - {Errors: [FnF.Timeout], Next: Late}
    End: true
  - {Name: Late, Type: Pass, End: true}
`
	tests := []struct {
		name       string
		sleep      int
		want       string
		wantSleeps []time.Duration
	}{
		{name: "finishes in time", sleep: 30, want: `{"slept":true}`, wantSleeps: []time.Duration{30 * time.Second}},
		{name: "cut off at the Timeout", sleep: 60, want: `{"Error":"FnF.Timeout","Cause":"task T did not finish within 45s"}`, wantSleeps: []time.Duration{45 * time.Second}},
		{name: "Timeout and finish at the same instant: the Timeout wins", sleep: 45, want: `{"Error":"FnF.Timeout","Cause":"task T did not finish within 45s"}`, wantSleeps: []time.Duration{45 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, clock, _ := runFlow(t, src, fmt.Sprintf(`{"s":%d}`, tc.sleep))
			wantResult(t, res, Succeeded, tc.want, "")
			if got := clock.Sleeps(); !slices.Equal(got, tc.wantSleeps) {
				t.Errorf("Sleeps = %v, want %v", got, tc.wantSleeps)
			}
			if n := clock.Timers(); n != 0 {
				t.Errorf("%d timers left pending, want 0", n)
			}
		})
	}
}

func TestEngine_Run_FlowTimeoutOnClock(t *testing.T) {
	// The flow Timeout (10 s) ends a task sleeping on the fake clock at 10 s.
	src := "Type: StateMachine\nSpecVersion: v1\nName: t\nTimeout: 10\n" + `StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Sleep", Parameters: {seconds: 3600}, End: true}
`
	res, clock, _ := runFlow(t, src, `{}`)
	wantResult(t, res, TimedOut, "", ErrorTimeout)
	if got, want := clock.Sleeps(), []time.Duration{10 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("Sleeps = %v, want %v", got, want)
	}
}

func TestTask_Run_StoppedByCancel(t *testing.T) {
	src := header + "StartAt: T\nStates:\n  - {Name: T, Type: Task, Action: \"Test:Block\", End: true}\n"
	ctx, cancel := context.WithCancel(context.Background())
	tasks := &testTasks{}
	e := New(Options{Clock: newFakeClock(), Tasks: tasks})
	done := make(chan Result)
	go func() { done <- e.Run(ctx, mustParse(t, flow.Standard, src), Execution{}) }()
	for len(tasks.Calls()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if res := <-done; res.Status != Stopped {
		t.Fatalf("Run = %+v, want Stopped", res)
	}
}

func TestTask_Run_CallFields(t *testing.T) {
	src := header + `StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Echo", TaskMode: WaitForCustomCallback, Timeout: 45, End: true}
`
	_, _, tasks := runFlow(t, src, `{"a":1}`)
	calls := tasks.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %d, want 1", len(calls))
	}
	c := calls[0]
	if c.Execution != "exec-1" || c.State != "T" || c.Action != "Test:Echo" || c.Mode != flow.WaitForCustomCallback || c.Timeout != 45*time.Second || c.Parameters != nil {
		t.Errorf("call = %+v", c)
	}
}

// TestTask_Run_TimeoutCaughtAsTaskTimeout: in a new flow a Catch naming the
// legacy FnF.TaskTimeout matches a task timeout too (decision 63); the
// error keeps its new-FDL name.
func TestTask_Run_TimeoutCaughtAsTaskTimeout(t *testing.T) {
	src := header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Sleep"
    Timeout: "5"
    Parameters: {seconds: 60}
    Catch:
      - {Errors: [FnF.TaskTimeout], Next: Late}
    End: true
  - {Name: Late, Type: Pass, End: true}
`
	res, _, _ := runFlow(t, src, `{}`)
	wantResult(t, res, Succeeded, `{"Error":"FnF.Timeout","Cause":"task T did not finish within 5s"}`, "")
}
