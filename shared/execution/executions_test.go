package execution_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// A StartExecution without ExecutionName gets a server-generated name, a
// lower-case UUID v4 (reference 2.5), and every such start is a new
// execution.
func TestService_StartExecution_GeneratedName(t *testing.T) {
	ctx := context.Background()
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: openEngine(), Enqueuer: &recordingEnqueuer{}})
	t.Cleanup(func() { _ = svc.Close() })
	mustCreate(t, svc, ctx, "f")
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	names := map[string]bool{}
	for range 2 {
		e, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f"})
		if err != nil {
			t.Fatalf("StartExecution(no name) = %v", err)
		}
		if !uuid4.MatchString(e.Name) {
			t.Errorf("generated name %q is not a lower-case UUID v4", e.Name)
		}
		if _, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: e.Name}); err != nil {
			t.Errorf("DescribeExecution(%s) = %v", e.Name, err)
		}
		names[e.Name] = true
	}
	if len(names) != 2 {
		t.Errorf("two unnamed starts made executions %v, want two", names)
	}
}

// StartSync runs only Express flows, and its run ends TimedOut with
// FnF.Timeout when the caller's deadline (less the safety margin) or the
// longest Express run comes first (reference 9.1).
func TestService_StartSync_Bounds(t *testing.T) {
	gate := newGate() // never opened: the Task runs until the run's limit
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: interp.New(interp.Options{Tasks: gate}), SyncMargin: 200 * time.Millisecond, MaxSyncDuration: time.Second,
	})
	t.Cleanup(func() { _ = svc.Close() })
	ctx := context.Background()
	mustCreate(t, svc, ctx, "std")
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "exp", Definition: gateDef("exp"), ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}

	var me *execution.ModeError
	if _, err := svc.StartSync(ctx, execution.StartInput{FlowName: "std"}); !errors.As(err, &me) || me.Mode != flow.Standard || !errors.Is(err, execution.ErrModeNotSupported) {
		t.Errorf("StartSync(Standard flow) = %v, want a ModeError for Standard", err)
	}
	if _, err := svc.StartSync(ctx, execution.StartInput{FlowName: "nope"}); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("StartSync(unknown flow) = %v, want ErrFlowNotFound", err)
	}

	tests := []struct {
		name      string
		deadline  time.Duration // 0: none
		wantEnter bool          // whether the Task starts at all
	}{
		{name: "deadline within the margin", deadline: 100 * time.Millisecond},
		// 300 ms to run, under MaxSyncDuration: slack for a loaded -race run.
		{name: "deadline after the margin", deadline: 500 * time.Millisecond, wantEnter: true},
		{name: "longest Express run", wantEnter: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runCtx := ctx
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				runCtx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			e, err := svc.StartSync(runCtx, execution.StartInput{FlowName: "exp", ExecutionName: "run"})
			if err != nil {
				t.Fatalf("StartSync = %v", err)
			}
			if e.Status != execution.TimedOut || e.Error != interp.ErrorTimeout || e.Output != "" || e.StoppedTime.IsZero() {
				t.Errorf("StartSync = %s %q %q, want TimedOut with %s and no output", e.Status, e.Error, e.Output, interp.ErrorTimeout)
			}
			entered := false
			select {
			case <-gate.started:
				entered = true
			default:
			}
			if entered != tc.wantEnter {
				t.Errorf("the Task started: %v, want %v", entered, tc.wantEnter)
			}
		})
	}
}

// A CallbackFnFTaskToken of another account is refused as access denied
// (reference 2.7) and starts nothing.
func TestService_StartExecution_CallbackTokenOfAnotherAccount(t *testing.T) {
	svc, tokens := callbackService(t, "parent", "child")
	parentToken := start(t, svc, tokens, execution.StartInput{FlowName: "parent", ExecutionName: "p"})
	other := auth.NewContext(context.Background(), auth.Identity{AccountID: "2222222222"})
	if _, err := svc.CreateFlow(other, execution.CreateFlowInput{Name: "child", Definition: gateDef("child")}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.StartExecution(other, execution.StartInput{FlowName: "child", ExecutionName: "c", CallbackFnFTaskToken: parentToken})
	var ae *execution.AccessError
	if !errors.As(err, &ae) || ae.Param != "CallbackFnFTaskToken" || !errors.Is(err, execution.ErrAccessDenied) {
		t.Fatalf("StartExecution(another account's token) = %v, want an AccessError on CallbackFnFTaskToken", err)
	}
	if _, err := svc.DescribeExecution(other, execution.DescribeInput{FlowName: "child", ExecutionName: "c"}); !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Errorf("the refused child exists: DescribeExecution = %v", err)
	}
}

// A closed service starts nothing and takes no report.
func TestService_Close_RefusesWork(t *testing.T) {
	ctx := context.Background()
	svc, tokens := callbackService(t, "f")
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "later"}); !errors.Is(err, execution.ErrClosed) {
		t.Errorf("StartExecution after Close = %v, want ErrClosed", err)
	}
	if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: `{}`}); !errors.Is(err, execution.ErrClosed) {
		t.Errorf("ReportTaskSucceeded after Close = %v, want ErrClosed", err)
	}
}

// DescribeExecution's long-poll answers with the unfinished execution when
// its Wait ends, and when the caller goes away.
func TestService_DescribeExecution_WaitEnds(t *testing.T) {
	clock := &tickClock{}
	gate := newGate()
	t.Cleanup(func() { close(gate.release) })
	svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: interp.New(interp.Options{Tasks: gate})})
	t.Cleanup(func() { _ = svc.Close() })
	ctx := context.Background()
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	gate.awaitStarted(t, 1)
	waitFor(t, svc, ctx, "f", "e", execution.Running)

	tests := []struct {
		name string
		end  func(cancel context.CancelFunc)
	}{
		{"wait ends", func(context.CancelFunc) { clock.Tick() }},
		{"caller gone", func(cancel context.CancelFunc) { cancel() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pollCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			type answer struct {
				e   *execution.Execution
				err error
			}
			got := make(chan answer, 1)
			go func() {
				e, err := svc.DescribeExecution(pollCtx, execution.DescribeInput{FlowName: "f", ExecutionName: "e", Wait: time.Hour})
				got <- answer{e, err}
			}()
			time.Sleep(20 * time.Millisecond) // let the poll start waiting
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				tc.end(cancel)
				select {
				case a := <-got:
					// A caller gone before the first read may get its
					// context's error instead.
					gone := tc.name == "caller gone" && errors.Is(a.err, context.Canceled)
					if !gone && (a.err != nil || a.e.Status != execution.Running) {
						t.Errorf("DescribeExecution = %+v, %v; want the Running execution", a.e, a.err)
					}
					return
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the long-poll did not return")
				}
			}
		})
	}
}

// CreateFlow and UpdateFlow refuse a Type other than FDL and an unknown
// ExecutionMode, naming the parameter; UpdateFlow keeps what it is not
// given, and executions started after it run with the new role.
func TestService_Flows_TypeModeAndFields(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	mustCreate(t, svc, ctx, "f")
	batch := flow.Mode("Batch")
	tests := []struct {
		name, param string
		err         error
	}{
		{"create Type", "Type", second(svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "g", Definition: gateDef("g"), Type: "YAML"}))},
		{"create ExecutionMode", "ExecutionMode", second(svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "g", Definition: gateDef("g"), ExecutionMode: batch}))},
		{"update Type", "Type", second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Type: ptr("YAML")}))},
		{"update ExecutionMode", "ExecutionMode", second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", ExecutionMode: &batch}))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ae *execution.ArgumentError
			if !errors.As(tc.err, &ae) || ae.Param != tc.param {
				t.Errorf("error = %v, want an ArgumentError on %s", tc.err, tc.param)
			}
		})
	}
	if _, err := svc.DescribeFlow(ctx, "g"); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("a refused CreateFlow stored flow g: %v", err)
	}

	env := json.RawMessage(`{"Variables":[{"Name":"k","Value":"v"}]}`)
	up, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Type: ptr("FDL"), RoleArn: ptr("acs:ram::1:role/r"), Environment: env, Description: ptr("d")})
	if err != nil {
		t.Fatalf("UpdateFlow = %v", err)
	}
	got, err := svc.DescribeFlow(ctx, "f")
	if err != nil || got.RoleArn != "acs:ram::1:role/r" || !bytes.Equal(got.Environment, env) || got.Description != "d" ||
		got.Definition != gateDef("f") || got.Type != execution.FlowType || !got.LastModifiedTime.Equal(up.LastModifiedTime) {
		t.Fatalf("DescribeFlow after UpdateFlow = %+v, %v; want the new role, environment and description, the definition kept", got, err)
	}
	e, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	if err != nil || e.RoleArn != "acs:ram::1:role/r" {
		t.Errorf("StartExecution after UpdateFlow = %+v, %v; want RoleArn acs:ram::1:role/r", e, err)
	}
}

// DeleteFlow stops the flow's unfinished executions with FnF.FlowDeleted
// (reference 9.4), ends their in-process runs, and leaves finished ones as
// they were. The records are read from the store (key layout in doc.go):
// no operation reaches a deleted flow's executions.
func TestService_DeleteFlow_StopsUnfinished(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	gate := newGate()
	t.Cleanup(func() { close(gate.release) })
	tasks := &exitTasks{gateTasks: gate, exited: make(chan error, 1)}
	svc := execution.New(store, execution.Options{Engine: interp.New(interp.Options{Tasks: tasks})})
	t.Cleanup(func() { _ = svc.Close() })
	f := mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "running"}); err != nil {
		t.Fatal(err)
	}
	gate.awaitStarted(t, 1)
	waitFor(t, svc, ctx, "f", "running", execution.Running)
	if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "running", Error: "E", Cause: "c"}); err != nil {
		t.Fatal(err)
	}
	<-tasks.exited
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "running2"}); err != nil {
		t.Fatal(err)
	}
	gate.awaitStarted(t, 1)
	waitFor(t, svc, ctx, "f", "running2", execution.Running)

	if err := svc.DeleteFlow(ctx, "f"); err != nil {
		t.Fatalf("DeleteFlow = %v", err)
	}
	select {
	case err := <-tasks.exited:
		if err == nil {
			t.Error("the running Task ended without its context being cancelled")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deleted flow's run went on")
	}
	for _, tc := range []struct{ name, wantError string }{{"running", "E"}, {"running2", execution.ErrorFlowDeleted}} {
		it, err := store.Get(ctx, "exec/"+auth.DefaultAccount+"/"+f.ID+"/"+tc.name)
		if err != nil {
			t.Fatalf("record of %s: %v", tc.name, err)
		}
		obj, _, _ := bytes.Cut(it.Value, []byte("\n"))
		var e execution.Execution
		if err := json.Unmarshal(obj, &e); err != nil {
			t.Fatal(err)
		}
		if e.Status != execution.Stopped || e.Error != tc.wantError {
			t.Errorf("%s after DeleteFlow = %s %q, want Stopped %q", tc.name, e.Status, e.Error, tc.wantError)
		}
	}
}

// exitTasks is a gate that reports on exited how each Task call ended: nil
// when released, the context's error when cancelled.
type exitTasks struct {
	*gateTasks
	exited chan error
}

func (x *exitTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	out, err := x.gateTasks.Invoke(ctx, call)
	x.exited <- err
	return out, err
}
