package execution_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestService_Flows_Errors(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	mustCreate(t, svc, ctx, "f")
	bad := badDef("f")
	express := flow.Express
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "create existing", err: second(svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: gateDef("f")})), want: execution.ErrFlowExists},
		{name: "create invalid definition", err: second(svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "g", Definition: badDef("g")})), want: execution.ErrInvalidArgument},
		{name: "update missing flow", err: second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "nope"})), want: execution.ErrFlowNotFound},
		{name: "update invalid definition", err: second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &bad})), want: execution.ErrInvalidArgument},
		{name: "update mode", err: second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", ExecutionMode: &express})), want: execution.ErrInvalidArgument},
		{name: "delete missing flow", err: svc.DeleteFlow(ctx, "nope"), want: execution.ErrFlowNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("error = %v, want %v", tc.err, tc.want)
			}
		})
	}
	// The refused writes left the flow as it was, and the name g free.
	if f, err := svc.DescribeFlow(ctx, "f"); err != nil || f.Definition != gateDef("f") {
		t.Errorf("DescribeFlow(f) = %+v, %v; want the original definition", f, err)
	}
	if _, err := svc.DescribeFlow(ctx, "g"); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("DescribeFlow(g) error = %v, want ErrFlowNotFound", err)
	}
}

// A step that lasts several lease durations keeps its lease by the
// heartbeat: a second runner's Run meanwhile is a no-op, and the state runs
// once.
func TestService_Run_HeartbeatKeepsLease(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	store := kv.NewMemStore()
	eng := interp.New(interp.Options{Tasks: tasks})
	enq := &recordingEnqueuer{}
	mk := func(id string) *execution.Service {
		s := execution.New(store, execution.Options{Engine: eng, Enqueuer: enq, RunnerID: id, LeaseDuration: 600 * time.Millisecond})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b := mk("A"), mk("B")
	f := createFlow(t, a, "slow", "Gate")
	if _, err := a.StartExecution(ctx, execution.StartInput{FlowName: "slow", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "e"}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ref) }()
	<-tasks.entered
	time.Sleep(1300 * time.Millisecond) // over two lease durations
	if err := b.Run(ctx, ref); err != nil {
		t.Fatalf("second runner Run() = %v", err)
	}
	close(tasks.gate)
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	e, err := a.DescribeExecution(ctx, execution.DescribeInput{FlowName: "slow", ExecutionName: "e"})
	if err != nil || e.Status != execution.Succeeded {
		t.Fatalf("execution = %+v, %v; want Succeeded", e, err)
	}
	if n := tasks.count("e", "A"); n != 1 {
		t.Errorf("state A ran %d times, want 1 (the lease was held throughout)", n)
	}
}
