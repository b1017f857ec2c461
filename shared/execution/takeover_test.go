package execution_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// TestService_Recover_ExclusiveStoreTakesOverLiveLease: runner A holds a
// live lease (it stalls in a Task, as if its process had died); a service
// with ExclusiveStore on the same store takes the execution over at once,
// without waiting for the lease to expire, while a service without it
// leaves it alone.
func TestService_Recover_ExclusiveStoreTakesOverLiveLease(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	clock := &fakeClock{now: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	store := kv.NewMemStore()
	enq := &recordingEnqueuer{}
	eng := interp.New(interp.Options{Tasks: tasks})
	mk := func(id string, exclusive bool) *execution.Service {
		s := execution.New(store, execution.Options{Engine: eng, Enqueuer: enq, RunnerID: id,
			Clock: clock, LeaseDuration: time.Minute, ExclusiveStore: exclusive})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, shared, next := mk("A", false), mk("B", false), mk("C", true)
	f := createFlow(t, a, "gated", "Gate")
	if _, err := a.StartExecution(ctx, execution.StartInput{FlowName: "gated", ExecutionName: "g"}); err != nil {
		t.Fatal(err)
	}
	ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "g"}
	enq.take()
	aDone := make(chan error, 1)
	go func() { aDone <- a.Run(ctx, ref) }()
	<-tasks.entered // A holds a live lease

	if n, err := shared.Recover(ctx); err != nil || n != 0 {
		t.Errorf("Recover without ExclusiveStore = %d, %v; want 0 (the lease is live)", n, err)
	}
	if n, err := next.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("Recover with ExclusiveStore = %d, %v; want 1", n, err)
	}
	if refs := enq.take(); len(refs) != 1 || refs[0] != ref {
		t.Fatalf("enqueued %v, want [%v]", refs, ref)
	}
	cDone := make(chan error, 1)
	go func() { cDone <- next.Run(ctx, ref) }()
	<-tasks.entered // C took the lease and runs Task A again
	close(tasks.gate)
	if err := <-aDone; err != nil {
		t.Errorf("stale runner A: %v", err)
	}
	if err := <-cDone; err != nil {
		t.Errorf("runner C: %v", err)
	}
	e, err := next.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: "g"})
	if err != nil || e.Status != execution.Succeeded {
		t.Fatalf("execution = %+v, %v; want Succeeded", e, err)
	}
	if got := tasks.count("g", "B"); got != 1 {
		t.Errorf("Task B called %d times, want exactly 1 (the stale runner lost its write)", got)
	}
}

// TestService_Pool_FullQueueLeavesRecordForSweep: with one worker and a
// queue of one, a third execution is not kept in memory; it stays Starting
// in the store until Recover (the sweep) enqueues it, and then succeeds.
func TestService_Pool_FullQueueLeavesRecordForSweep(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	eng := interp.New(interp.Options{Tasks: tasks})
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: eng, Workers: 1, MaxQueued: 1})
	t.Cleanup(func() { _ = svc.Close() })
	createFlow(t, svc, "gated", "Gate")
	for _, name := range []string{"e0", "e1", "e2"} {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "gated", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		if name == "e0" {
			<-tasks.entered // e0 occupies the only worker
		}
	}
	close(tasks.gate)
	describe := func(name string) *execution.Execution {
		t.Helper()
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: name, Wait: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, name := range []string{"e0", "e1"} {
		if e := describe(name); e.Status != execution.Succeeded {
			t.Fatalf("%s status %s, want Succeeded", name, e.Status)
		}
	}
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: "e2"})
	if err != nil || e.Status != execution.Starting {
		t.Fatalf("e2 = %v, %v; want Starting (not queued: the queue was full)", e.Status, err)
	}
	if n, err := svc.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	if e := describe("e2"); e.Status != execution.Succeeded {
		t.Fatalf("e2 status %s after Recover, want Succeeded", e.Status)
	}
}
