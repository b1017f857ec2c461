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

// TestService_Pool_FullQueue_RecordIsTheQueue: with one worker and a queue
// of one, executions started while the queue is full are not kept in
// memory: they stay Starting in the store, and so does one started after
// them. Once the queue has drained the Pool refills it from the store, and
// they run in the order they started (not in key order), with no sweep.
func TestService_Pool_FullQueue_RecordIsTheQueue(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	eng := interp.New(interp.Options{Tasks: tasks})
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: eng, Workers: 1, MaxQueued: 1, Clock: clock})
	t.Cleanup(func() { _ = svc.Close() })
	createFlow(t, svc, "gated", "Gate")
	order := []string{"e0", "e1", "z2", "m3", "a4"}
	for _, name := range order {
		clock.Advance(time.Second) // a start time of its own
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "gated", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		if name == "e0" {
			if got := <-tasks.entered; got != "e0" { // e0 occupies the only worker
				t.Fatalf("first run = %s, want e0", got)
			}
		}
	}
	for _, name := range order[2:] {
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: name})
		if err != nil || e.Status != execution.Starting {
			t.Fatalf("%s = %v, %v; want Starting (waiting in the store)", name, e.Status, err)
		}
	}
	close(tasks.gate)
	for _, want := range order[1:] {
		select {
		case got := <-tasks.entered:
			if got != want {
				t.Fatalf("ran %s, want %s (the order of the starts)", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s never ran: the Pool did not refill its queue from the store", want)
		}
	}
	for _, name := range order {
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: name, Wait: 5 * time.Second})
		if err != nil || e.Status != execution.Succeeded {
			t.Fatalf("%s = %v, %v; want Succeeded", name, e.Status, err)
		}
	}
}
