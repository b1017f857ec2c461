package execution_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// slowFlow has a 5-second flow Timeout and a Task that runs until its
// context ends.
const slowFlow = `Type: StateMachine
SpecVersion: v1
Name: slow
Timeout: 5
StartAt: Work
States:
  - {Name: Work, Type: Task, Action: "Test:Block", End: true}
`

// blockTasks hands the token of every callback-mode Task to tokens and
// returns; other Tasks run until their context ends.
type blockTasks struct{ tokens chan string }

func (b blockTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	if call.TaskToken != "" {
		b.tokens <- call.TaskToken
		return nil, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// An execution past its flow Timeout ends TimedOut with FnF.Timeout
// (reference 3.1, 9.4), and a parent waiting for it as a child gets
// FnF.Timeout as its task's error (reference 7.5). Runs are driven by hand
// on a fake clock, so the timeout takes no real time.
func TestService_FlowTimeout_ReachesParent(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: t0}
	tokens := make(chan string, 4)
	enq := &recordingEnqueuer{}
	svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: interp.New(interp.Options{Tasks: blockTasks{tokens}}), Enqueuer: enq})
	t.Cleanup(func() { _ = svc.Close() })
	parent, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "parent", Definition: strings.Replace(callbackFlow, "%s", "parent", 1)})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "slow", Definition: slowFlow})
	if err != nil {
		t.Fatal(err)
	}
	parentRef := execution.Ref{Account: auth.DefaultAccount, FlowID: parent.ID, Name: "p"}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "parent", ExecutionName: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Run(ctx, parentRef); err != nil {
		t.Fatalf("Run(parent) = %v", err)
	}
	tok := nextToken(t, tokens)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "slow", ExecutionName: "c", CallbackFnFTaskToken: tok}); err != nil {
		t.Fatal(err)
	}
	enq.take()

	clock.Advance(6 * time.Second)
	if err := svc.Run(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: slow.ID, Name: "c"}); err != nil {
		t.Fatalf("Run(child) = %v", err)
	}
	c, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "slow", ExecutionName: "c"})
	if err != nil || c.Status != execution.TimedOut || c.Error != interp.ErrorTimeout {
		t.Fatalf("child = %+v, %v; want TimedOut with %s", c, err, interp.ErrorTimeout)
	}

	// The child's report wakes the parent (enqueues it); its run ends it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if refs := enq.take(); len(refs) > 0 && refs[0] == parentRef {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child's end did not wake its parent")
		}
	}
	if err := svc.Run(ctx, parentRef); err != nil {
		t.Fatalf("Run(parent) = %v", err)
	}
	p, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "parent", ExecutionName: "p"})
	if err != nil || p.Status != execution.Failed || p.Error != interp.ErrorTimeout {
		t.Errorf("parent = %+v, %v; want Failed with the child's %s", p, err, interp.ErrorTimeout)
	}
}
