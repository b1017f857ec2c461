package execution_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// manualClock is a service and engine clock that moves only on Advance:
// After channels and sleeps end when it passes their time.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, manualWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock by d and fires what falls due.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *manualClock) WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(ctx)
	fire := c.After(d)
	go func() {
		select {
		case <-fire:
			cancel(cause)
		case <-cctx.Done():
		}
	}()
	return cctx, func() { cancel(context.Canceled) }
}

const waitFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: A
States:
  - {Name: A, Type: Pass, OutputConstructor: {n.$: $Input.n}, Next: W}
  - {Name: W, Type: Wait, Seconds: 60, Next: B}
  - {Name: B, Type: Pass, OutputConstructor: {n.$: $Input.n, done: true}, End: true}
`

// parkService is a service whose service and engine clock is clock, with
// one worker.
func parkService(t *testing.T, store execution.Store, clock *manualClock, tasks interp.TaskRunner) *execution.Service {
	t.Helper()
	svc := execution.New(store, execution.Options{
		Engine: interp.New(interp.Options{Clock: clock, Tasks: tasks}), Clock: clock, Workers: 1,
	})
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// waitParked waits until the execution has no lease and wakes at want.
func waitParked(t *testing.T, svc *execution.Service, flowName, name string, want time.Time) *execution.Execution {
	t.Helper()
	ctx := context.Background()
	var e *execution.Execution
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		var err error
		if e, err = svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: flowName, ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		if e.Lease.Owner == "" && e.WakeAt.Equal(want) {
			return e
		}
	}
	t.Fatalf("execution %s never parked until %v (last: status %s, lease %+v, wakeAt %v)", name, want, e.Status, e.Lease, e.WakeAt)
	return nil
}

// With a single worker, five executions all reach their 60 s Wait: each
// parks (no lease, a wake-up time on the record) and returns the worker. When
// the clock reaches the due time the service's timer resumes them all, with
// the history of an unparked run.
func TestService_Wait_ParksAndReturnsWorker(t *testing.T) {
	ctx := context.Background()
	clock := newManualClock()
	svc := parkService(t, kv.NewMemStore(), clock, nil)
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "w", Definition: fmt.Sprintf(waitFlow, "w")}); err != nil {
		t.Fatal(err)
	}
	due := clock.Now().Add(time.Minute)
	for i := range 5 {
		in := execution.StartInput{FlowName: "w", ExecutionName: fmt.Sprint("e", i), Input: fmt.Sprintf(`{"n":%d}`, i)}
		if _, err := svc.StartExecution(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		e := waitParked(t, svc, "w", fmt.Sprint("e", i), due)
		if e.Status != execution.Running || e.Checkpoint == nil || e.Checkpoint.Wait == nil || e.Checkpoint.Wait.Token != "" {
			t.Fatalf("parked e%d = status %s, checkpoint %+v; want Running at its Wait", i, e.Status, e.Checkpoint)
		}
	}
	clock.Advance(59 * time.Second)
	time.Sleep(20 * time.Millisecond) // a wrongly early timer would resume them now
	if e := waitParked(t, svc, "w", "e0", due); e.Status != execution.Running {
		t.Fatalf("e0 is %s one second before its Wait ends", e.Status)
	}
	clock.Advance(time.Second)
	for i := range 5 {
		e := waitFor(t, svc, ctx, "w", fmt.Sprint("e", i), execution.Succeeded)
		if want := fmt.Sprintf(`{"done":true,"n":%d}`, i); e.Output != want || !e.StoppedTime.Equal(due) {
			t.Errorf("e%d = %s at %v, want %s at %v", i, e.Output, e.StoppedTime, want, due)
		}
	}
	evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "w", ExecutionName: "e3", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Errorf("event %d has EventId %d", i, ev.ID)
		}
		got = append(got, ev.StepName+":"+string(ev.Type))
	}
	want := fmt.Sprint([]string{":ExecutionStarted",
		"A:StepEntered", "A:StepStarted", "A:StepSucceeded", "A:StepExited",
		"W:StepEntered", "W:StepStarted", "W:StepSucceeded", "W:StepExited",
		"B:StepEntered", "B:StepStarted", "B:StepSucceeded", "B:StepExited", ":ExecutionSucceeded"})
	if fmt.Sprint(got) != want {
		t.Errorf("history = %v\nwant %v", got, want)
	}
}

// A parked execution survives a restart with its wake-up time: the next
// process's Recover does not run it early (no worker spent), the sweep
// before its due time hands it to the timer, and it finishes when the Wait's time is up, not a
// full Wait after the restart.
func TestService_Wait_RestartHonoursRemainingTime(t *testing.T) {
	ctx := context.Background()
	clock := newManualClock()
	store := kv.NewMemStore()
	first := parkService(t, store, clock, nil)
	if _, err := first.CreateFlow(ctx, execution.CreateFlowInput{Name: "w", Definition: fmt.Sprintf(waitFlow, "w")}); err != nil {
		t.Fatal(err)
	}
	due := clock.Now().Add(time.Minute)
	if _, err := first.StartExecution(ctx, execution.StartInput{FlowName: "w", ExecutionName: "e", Input: `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	waitParked(t, first, "w", "e", due)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(20 * time.Second)
	second := parkService(t, store, clock, nil)
	n, err := second.Recover(ctx)
	if err != nil || n != 0 {
		t.Fatalf("Recover = %d, %v; want nothing enqueued before the Wait is due", n, err)
	}
	// The sweep that runs less than a sweep interval before the due time
	// (the service's own every DefaultSweepInterval) loads it.
	clock.Advance(30 * time.Second)
	if n, err := second.Recover(ctx); err != nil || n != 0 {
		t.Fatalf("Recover 10 s before the due time = %d, %v; want nothing enqueued", n, err)
	}
	clock.Advance(10 * time.Second)
	e := waitFor(t, second, ctx, "w", "e", execution.Succeeded)
	if !e.StoppedTime.Equal(due) {
		t.Errorf("finished at %v, want %v (the Wait's due time)", e.StoppedTime, due)
	}
}

// flakyTasks fails each execution's first call with Boom.
type flakyTasks struct {
	mu    sync.Mutex
	calls map[string]int
}

func (f *flakyTasks) Invoke(_ context.Context, call interp.TaskCall) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[call.Execution]++
	if f.calls[call.Execution] == 1 {
		return nil, &interp.Error{Name: "Boom", Detail: "first call"}
	}
	return map[string]any{"calls": int64(f.calls[call.Execution])}, nil
}

// A Retry interval parks too: the record waits with the retry's due time
// and the retried attempt runs when it is due.
func TestService_RetryInterval_Parks(t *testing.T) {
	ctx := context.Background()
	clock := newManualClock()
	svc := parkService(t, kv.NewMemStore(), clock, &flakyTasks{calls: map[string]int{}})
	def := `Type: StateMachine
SpecVersion: v1
Name: r
StartAt: T
States:
  - {Name: T, Type: Task, Action: "Test:Flaky", Retry: [{Errors: [Boom], IntervalSeconds: 30, MaxAttempts: 1}], End: true}
`
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "r", Definition: def}); err != nil {
		t.Fatal(err)
	}
	due := clock.Now().Add(30 * time.Second)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "r", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	e := waitParked(t, svc, "r", "e", due)
	if e.Checkpoint == nil || !e.Checkpoint.RetryAt.Equal(due) || e.Checkpoint.RetryCount != 1 {
		t.Fatalf("parked checkpoint = %+v, want the retry due at %v", e.Checkpoint, due)
	}
	clock.Advance(30 * time.Second)
	if e := waitFor(t, svc, ctx, "r", "e", execution.Succeeded); e.Output != `{"calls":2}` {
		t.Errorf("output = %s, want the second call's", e.Output)
	}
}
