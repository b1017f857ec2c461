package execution_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// tokenTasks hands the task token of every callback-mode Task to tokens and
// returns at once (the task then waits for a report); other Tasks return
// {"ok":true}.
type tokenTasks struct{ tokens chan string }

func (c tokenTasks) Invoke(_ context.Context, call interp.TaskCall) (any, error) {
	if call.TaskToken != "" {
		c.tokens <- call.TaskToken
		return nil, nil
	}
	return map[string]any{"ok": true}, nil
}

const callbackFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Wait
States:
  - Name: Wait
    Type: Task
    Action: Test:Callback
    TaskMode: WaitForCustomCallback
    End: true
`

// callbackService is a service with the real engine and parser whose Tasks
// wait for reports, and a flow of each given name running callbackFlow.
func callbackService(t *testing.T, flows ...string) (*execution.Service, chan string) {
	t.Helper()
	tokens := make(chan string, 16)
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: interp.New(interp.Options{Tasks: tokenTasks{tokens}}), Workers: 4,
	})
	t.Cleanup(func() { _ = svc.Close() })
	for _, name := range flows {
		if _, err := svc.CreateFlow(context.Background(), execution.CreateFlowInput{Name: name, Definition: strings.Replace(callbackFlow, "%s", name, 1)}); err != nil {
			t.Fatalf("CreateFlow(%s): %v", name, err)
		}
	}
	return svc, tokens
}

// nextToken waits for the next task token.
func nextToken(t *testing.T, tokens chan string) string {
	t.Helper()
	select {
	case tok := <-tokens:
		return tok
	case <-time.After(5 * time.Second):
		t.Fatal("no callback task was started")
		return ""
	}
}

// start starts an execution and returns the token of its waiting task once
// the execution is parked: TaskSubmitted recorded and no runner holding the
// lease. (The runner gets the token before TaskSubmitted is stored, and a
// report before that is refused with ErrTaskInvalidState.) A report right
// after parking, while the parking run has not yet returned, must still wake
// the execution: these tests caught that wake-up being lost under -race.
func start(t *testing.T, svc *execution.Service, tokens chan string, in execution.StartInput) string {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.StartExecution(ctx, in); err != nil {
		t.Fatalf("StartExecution(%+v): %v", in, err)
	}
	tok := nextToken(t, tokens)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: in.FlowName, ExecutionName: in.ExecutionName})
		if err != nil {
			t.Fatal(err)
		}
		if e.Lease.Owner != "" {
			continue
		}
		evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: in.FlowName, ExecutionName: in.ExecutionName, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type == "TaskSubmitted" {
				return tok
			}
		}
	}
	t.Fatalf("execution %s never parked on its submitted task", in.ExecutionName)
	return ""
}

func TestService_ReportTaskSucceeded_ResumesExecution(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	id, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: `{"approved":true}`})
	if err != nil || id <= 0 {
		t.Fatalf("ReportTaskSucceeded() = %d, %v; want a positive event id", id, err)
	}
	e := waitFor(t, svc, ctx, "f", "e", execution.Succeeded)
	if e.Output != `{"approved":true}` {
		t.Errorf("output = %s, want the reported output", e.Output)
	}
	// A second report finds the task completed.
	_, err = svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: `{}`})
	var te *execution.TaskError
	if !errors.As(err, &te) || !errors.Is(err, execution.ErrTaskCompleted) || te.Error() == "" {
		t.Errorf("second ReportTaskSucceeded() error = %v, want TaskError(ErrTaskCompleted)", err)
	}
	// The history holds the task's events, pageable.
	evs, next, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 2})
	if err != nil || len(evs) != 2 || next != "3" {
		t.Fatalf("GetExecutionHistory(limit 2) = %d events, next %q, %v; want 2 and next 3", len(evs), next, err)
	}
	rest, last, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 100, NextToken: 3})
	if err != nil || len(rest) == 0 || rest[0].ID != 3 || last != "" {
		t.Fatalf("GetExecutionHistory(next 3) = %v, %q, %v; want the rest from event 3", rest, last, err)
	}
	if _, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 1, NextToken: 1000}); !errors.Is(err, execution.ErrInvalidArgument) {
		t.Errorf("GetExecutionHistory(NextToken past the end) error = %v, want ErrInvalidArgument", err)
	}
	var types []string
	for _, ev := range append(evs, rest...) {
		types = append(types, ev.Type)
	}
	if got := strings.Join(types, ","); !strings.Contains(got, "TaskSucceeded") || !strings.HasSuffix(got, "ExecutionSucceeded") {
		t.Errorf("history types = %s, want TaskSucceeded and a final ExecutionSucceeded", got)
	}
}

func TestService_ReportTaskFailed_FailsExecution(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	if _, err := svc.ReportTaskFailed(ctx, execution.ReportFailedInput{TaskToken: tok, Error: "Approval.Denied", Cause: "no budget"}); err != nil {
		t.Fatalf("ReportTaskFailed() = %v", err)
	}
	e := waitFor(t, svc, ctx, "f", "e", execution.Failed)
	if e.Error != "Approval.Denied" || e.Cause != "no budget" {
		t.Errorf("execution error = %q / %q, want Approval.Denied / no budget", e.Error, e.Cause)
	}
}

func TestService_Report_BadInput(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	other := auth.NewContext(ctx, auth.Identity{AccountID: "2222222222"})
	tests := []struct {
		name   string
		ctx    context.Context
		token  string
		output string
		want   error
	}{
		{name: "malformed token", ctx: ctx, token: "not-a-token", output: `{}`, want: execution.ErrInvalidArgument},
		{name: "output not JSON", ctx: ctx, token: tok, output: `{nope`, want: execution.ErrInvalidArgument},
		{name: "other account", ctx: other, token: tok, output: `{}`, want: execution.ErrAccessDenied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.ReportTaskSucceeded(tc.ctx, execution.ReportSucceededInput{TaskToken: tc.token, Output: tc.output})
			if !errors.Is(err, tc.want) || err.Error() == "" {
				t.Errorf("ReportTaskSucceeded() error = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := svc.ReportTaskFailed(other, execution.ReportFailedInput{TaskToken: tok, Error: "X"}); !errors.Is(err, execution.ErrAccessDenied) {
		t.Errorf("ReportTaskFailed(other account) error = %v, want ErrAccessDenied", err)
	}
	// The execution still waits, untouched by the refused reports.
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"})
	if err != nil || e.Status != execution.Running {
		t.Errorf("execution = %+v, %v; want Running", e, err)
	}
	// A parked execution waits for its report: Recover leaves it alone.
	if n, err := svc.Recover(ctx); err != nil || n != 0 {
		t.Errorf("Recover() = %d, %v; want 0 (the waiting execution is not re-run)", n, err)
	}
}

// A child started with the parent's callback token reports its end to the
// parent's waiting task (reference 7.5): its output on success, its error
// on failure, FnF.ExecutionStopped when it is stopped without a name.
func TestService_ChildExecution_ReportsToParent(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "parent", "child")
	tests := []struct {
		name      string
		end       func(t *testing.T, childToken string)
		want      execution.Status
		wantError string
	}{
		{name: "child succeeds", want: execution.Succeeded, end: func(t *testing.T, childToken string) {
			if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: childToken, Output: `{"n":1}`}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "child fails", want: execution.Failed, wantError: "Child.Broke", end: func(t *testing.T, childToken string) {
			if _, err := svc.ReportTaskFailed(ctx, execution.ReportFailedInput{TaskToken: childToken, Error: "Child.Broke"}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "child stopped", want: execution.Failed, wantError: execution.ErrorExecutionStopped, end: func(t *testing.T, _ string) {
			if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "child", ExecutionName: "c-child stopped"}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parentToken := start(t, svc, tokens, execution.StartInput{FlowName: "parent", ExecutionName: "p-" + tc.name})
			childToken := start(t, svc, tokens, execution.StartInput{FlowName: "child", ExecutionName: "c-" + tc.name, CallbackFnFTaskToken: parentToken})
			tc.end(t, childToken)
			p := waitFor(t, svc, ctx, "parent", "p-"+tc.name, tc.want)
			if tc.want == execution.Succeeded && p.Output != `{"n":1}` {
				t.Errorf("parent output = %s, want the child's", p.Output)
			}
			if p.Error != tc.wantError {
				t.Errorf("parent error = %q, want %q", p.Error, tc.wantError)
			}
		})
	}
	t.Run("bad callback token", func(t *testing.T) {
		_, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "child", ExecutionName: "orphan", CallbackFnFTaskToken: "garbage"})
		if !errors.Is(err, execution.ErrInvalidArgument) {
			t.Errorf("StartExecution(bad CallbackFnFTaskToken) error = %v, want ErrInvalidArgument", err)
		}
	})
	t.Run("stopping the parent stops its child", func(t *testing.T) {
		parentToken := start(t, svc, tokens, execution.StartInput{FlowName: "parent", ExecutionName: "p-stop"})
		start(t, svc, tokens, execution.StartInput{FlowName: "child", ExecutionName: "c-stop", CallbackFnFTaskToken: parentToken})
		if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "parent", ExecutionName: "p-stop", Error: "Ops.Cancel"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, svc, ctx, "child", "c-stop", execution.Stopped)
	})
}

func TestService_DescribeExecution_LongPollWakesAtEnd(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	done := make(chan *execution.Execution, 1)
	go func() {
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e", Wait: 30 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- e
	}()
	time.Sleep(20 * time.Millisecond) // let the poll start waiting
	if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-done:
		if e == nil || e.Status != execution.Succeeded {
			t.Errorf("long poll = %+v, want Succeeded", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not wake when the execution ended")
	}
}
