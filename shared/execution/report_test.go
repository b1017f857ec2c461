package execution_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// twoCallbacksFlow waits for two callback tasks in turn.
const twoCallbacksFlow = `Type: StateMachine
SpecVersion: v1
Name: two
StartAt: First
States:
  - {Name: First, Type: Task, Action: "Test:Callback", TaskMode: WaitForCustomCallback, Next: Second}
  - {Name: Second, Type: Task, Action: "Test:Callback", TaskMode: WaitForCustomCallback, End: true}
`

// pauseFlow waits a minute in a Wait state: the execution waits, but for
// no task.
const pauseFlow = `Type: StateMachine
SpecVersion: v1
Name: pause
StartAt: Pause
States:
  - {Name: Pause, Type: Wait, Seconds: 60, End: true}
`

// forge is a well-formed task token of this service for event eventID of
// execution name of flow f, which no task was given.
func forge(t *testing.T, f *execution.Flow, name string, eventID int64) string {
	t.Helper()
	tk, err := token.New(nil, auth.DefaultAccount, f.ID, name, eventID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tk.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitInState waits until execution name of flow flowName has entered state
// and no runner holds it.
func waitInState(t *testing.T, svc *execution.Service, flowName, name, state string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: flowName, ExecutionName: name, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		entered := false
		for _, ev := range evs {
			entered = entered || ev.Type == "StepStarted" && ev.StepName == state
		}
		if e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: flowName, ExecutionName: name}); err == nil && entered && e.Lease.Owner == "" {
			return
		}
	}
	t.Fatalf("execution %s never parked in %s", name, state)
}

// A report is refused, and changes nothing, when its task has completed
// (TaskAlreadyCompleted), when the task it names is not waiting yet
// (TaskInvalidState), and when its execution does not exist
// (InvalidArgument) — reference 7.2 and 9.4.
func TestService_Report_TaskStates(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	two, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "two", Definition: twoCallbacksFlow})
	if err != nil {
		t.Fatal(err)
	}
	pause, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "pause", Definition: pauseFlow})
	if err != nil {
		t.Fatal(err)
	}

	first := start(t, svc, tokens, execution.StartInput{FlowName: "two", ExecutionName: "e"})
	if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: first, Output: `{"step":1}`}); err != nil {
		t.Fatal(err)
	}
	second := nextToken(t, tokens)
	waitInState(t, svc, "two", "e", "Second")

	stoppedToken := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "stopped"})
	if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "stopped"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "pause", ExecutionName: "p"}); err != nil {
		t.Fatal(err)
	}
	waitInState(t, svc, "pause", "p", "Pause")

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"earlier task of a running execution", first, execution.ErrTaskCompleted},
		{"task of a stopped execution", stoppedToken, execution.ErrTaskCompleted},
		{"later task while another waits", forge(t, two, "e", 1000), execution.ErrTaskInvalidState},
		{"later task while a Wait state waits", forge(t, pause, "p", 1000), execution.ErrTaskInvalidState},
		{"earlier event while a Wait state waits", forge(t, pause, "p", 1), execution.ErrTaskCompleted},
		{"no such execution", forge(t, two, "ghost", 3), execution.ErrInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tc.token, Output: `{}`})
			if !errors.Is(err, tc.want) {
				t.Errorf("ReportTaskSucceeded = %v, want %v", err, tc.want)
			}
			var te *execution.TaskError
			if errors.As(err, &te) && te.Token != tc.token {
				t.Errorf("TaskError.Token = %q, want the reported token", te.Token)
			}
			if _, err := svc.ReportTaskFailed(ctx, execution.ReportFailedInput{TaskToken: tc.token, Error: "X"}); !errors.Is(err, tc.want) {
				t.Errorf("ReportTaskFailed = %v, want %v", err, tc.want)
			}
		})
	}

	// The refused reports left both executions waiting where they were.
	if e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "pause", ExecutionName: "p"}); err != nil || e.Status != execution.Running {
		t.Errorf("paused execution = %+v, %v; want Running", e, err)
	}
	if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: second, Output: `{"step":2}`}); err != nil {
		t.Fatalf("ReportTaskSucceeded(second task) = %v", err)
	}
	if e := waitFor(t, svc, ctx, "two", "e", execution.Succeeded); e.Output != `{"step":2}` {
		t.Errorf("output = %s, want the second report's", e.Output)
	}
	evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "two", ExecutionName: "e", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var closing []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Type, "Task") && ev.Type != "TaskScheduled" && ev.Type != "TaskStarted" && ev.Type != "TaskSubmitted" {
			closing = append(closing, ev.Type+"@"+ev.StepName)
		}
	}
	if got := strings.Join(closing, ","); got != "TaskSucceeded@First,TaskSucceeded@Second" {
		t.Errorf("closing task events = %s, want one TaskSucceeded per task", got)
	}
}
