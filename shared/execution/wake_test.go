package execution_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

const timeoutCallbackFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Wait
States:
  - Name: Wait
    Type: Task
    Action: Test:Callback
    TaskMode: WaitForCustomCallback
    Timeout: 1
    End: true
`

// A callback task nobody reports fails with FnF.Timeout when its Timeout
// passes: the service wakes the parked execution itself (its timer), without a
// sweep or a report.
func TestService_CallbackTimeout_WakesExecution(t *testing.T) {
	ctx := context.Background()
	tokens := make(chan string, 4)
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: interp.New(interp.Options{Tasks: tokenTasks{tokens}}), Workers: 2,
	})
	t.Cleanup(func() { _ = svc.Close() })
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: strings.Replace(timeoutCallbackFlow, "%s", "f", 1)}); err != nil {
		t.Fatal(err)
	}
	start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	e := waitFor(t, svc, ctx, "f", "e", execution.Failed)
	if e.Error != interp.ErrorTimeout {
		t.Errorf("execution error = %q, want %s", e.Error, interp.ErrorTimeout)
	}
}

// tickClock is a service clock whose After channels fire when Tick is
// called, whatever the duration.
type tickClock struct {
	mu      sync.Mutex
	waiters []chan time.Time
}

func (c *tickClock) Now() time.Time { return time.Now() }

func (c *tickClock) After(time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, ch)
	return ch
}

// Tick fires every pending After.
func (c *tickClock) Tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.waiters {
		ch <- time.Now()
	}
	c.waiters = nil
}

// With Options.Sweep the service recovers, on its own, an execution whose
// run event was lost (here: the Enqueuer dropped it).
func TestService_Sweep_RecoversDroppedExecution(t *testing.T) {
	ctx := context.Background()
	clock := &tickClock{}
	enq := &recordingEnqueuer{}
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: openEngine(), Enqueuer: enq, Clock: clock, Sweep: time.Minute,
	})
	t.Cleanup(func() { _ = svc.Close() })
	f := mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "e"}
	if got := enq.take(); len(got) != 1 || got[0] != ref {
		t.Fatalf("StartExecution enqueued %v, want %v", got, ref)
	}
	// The run event is lost; the sweep re-enqueues the Starting execution.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		clock.Tick()
		if got := enq.take(); len(got) > 0 {
			if got[0] != ref {
				t.Fatalf("sweep enqueued %v, want %v", got, ref)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweep never re-enqueued the execution")
		}
	}
	// Service.Enqueue hands a ref to the same runner.
	if err := svc.Enqueue(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if got := enq.take(); len(got) != 1 || got[0] != ref {
		t.Errorf("Enqueue(%v) reached the runner as %v", ref, got)
	}
}

// With a tiny Options.HistorySpillBytes every step moves the held events to
// a chunk; GetExecutionHistory pages through chunks and held events alike,
// in EventId order without gaps.
func TestService_GetExecutionHistory_AcrossChunks(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	svc := execution.New(store, execution.Options{
		Engine: interp.New(interp.Options{Tasks: newCountTasks()}), Workers: 1, HistorySpillBytes: 1,
	})
	t.Cleanup(func() { _ = svc.Close() })
	createFlow(t, svc, "f", "Count")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, svc, ctx, "f", "e", execution.Succeeded)
	all, next, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 1000})
	if err != nil || next != "" || len(all) < 8 {
		t.Fatalf("GetExecutionHistory(all) = %d events, %q, %v; want the whole history of three states", len(all), next, err)
	}
	for i, ev := range all {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d has EventId %d, want %d (no gaps, in order)", i, ev.ID, i+1)
		}
	}
	var paged []execution.Event
	var from int64
	for range len(all) + 1 {
		page, next, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 3, NextToken: from})
		if err != nil {
			t.Fatalf("GetExecutionHistory(from %d): %v", from, err)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		if _, err := fmt.Sscan(next, &from); err != nil {
			t.Fatalf("next token %q: %v", next, err)
		}
	}
	if len(paged) != len(all) || paged[len(paged)-1].Type != all[len(all)-1].Type {
		t.Errorf("paged history has %d events ending %v, want %d ending %s", len(paged), paged[len(paged)-1], len(all), all[len(all)-1].Type)
	}
}

// ServeSchedules fires the schedule's ticks on every pass (each clock tick
// here) and returns when its context ends.
func TestService_ServeSchedules_FiresAndStops(t *testing.T) {
	clock := &tickClock{}
	enq := &recordingEnqueuer{}
	svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: openEngine(), Enqueuer: enq})
	t.Cleanup(func() { _ = svc.Close() })
	ctx := auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("* * * * * *")}); err != nil {
		t.Fatal(err)
	}
	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.ServeSchedules(serveCtx, time.Hour, func(err error) { t.Errorf("ServeSchedules reported %v", err) })
	}()
	for deadline := time.Now().Add(10 * time.Second); len(executionNames(t, svc, ctx)) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("ServeSchedules started no execution")
		}
		clock.Tick() // the next pass
	}
	if names := executionNames(t, svc, ctx); !strings.HasPrefix(names[0], "schedule-s-") {
		t.Errorf("executions = %v, want ticks of schedule s", names)
	}
	cancel()
	clock.Tick()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeSchedules did not return after its context ended")
	}
}
