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

// countTasks counts Task calls per execution and state. Test:Gate blocks
// until gate is closed (or its context ends) and reports each call on
// entered; other actions return {"ok":true}.
type countTasks struct {
	mu      sync.Mutex
	calls   map[[2]string]int
	gate    chan struct{}
	entered chan string
}

func newCountTasks() *countTasks {
	return &countTasks{calls: map[[2]string]int{}, gate: make(chan struct{}), entered: make(chan string, 16)}
}

func (c *countTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	c.mu.Lock()
	c.calls[[2]string{call.Execution, call.State}]++
	c.mu.Unlock()
	if call.Action == "Test:Gate" {
		c.entered <- call.Execution
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return map[string]any{"ok": true}, nil
}

func (c *countTasks) count(exec, state string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[[2]string{exec, state}]
}

// recordingEnqueuer records enqueued executions and runs nothing.
type recordingEnqueuer struct {
	mu   sync.Mutex
	refs []execution.Ref
}

func (r *recordingEnqueuer) Enqueue(_ context.Context, ref execution.Ref) error {
	r.mu.Lock()
	r.refs = append(r.refs, ref)
	r.mu.Unlock()
	return nil
}

func (r *recordingEnqueuer) take() []execution.Ref {
	r.mu.Lock()
	defer r.mu.Unlock()
	refs := r.refs
	r.refs = nil
	return refs
}

const twoTaskFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: A
States:
  - {Name: A, Type: Task, Action: "Test:%s", Next: B}
  - {Name: B, Type: Task, Action: "Test:Count", Next: C}
  - {Name: C, Type: Pass, End: true}
`

// runners returns two services (runner ids "A" and "B") on one store that
// only run executions when Run is called.
func runners(t *testing.T, tasks *countTasks, clock execution.Clock) (*execution.Service, *execution.Service, *recordingEnqueuer) {
	t.Helper()
	store := kv.NewMemStore()
	enq := &recordingEnqueuer{}
	eng := interp.New(interp.Options{Tasks: tasks})
	mk := func(id string) *execution.Service {
		s := execution.New(store, execution.Options{Engine: eng, Enqueuer: enq, RunnerID: id, Clock: clock, LeaseDuration: time.Minute})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	return mk("A"), mk("B"), enq
}

func createFlow(t *testing.T, s *execution.Service, name, first string) *execution.Flow {
	t.Helper()
	def := strings.Replace(strings.Replace(twoTaskFlow, "%s", name, 1), "%s", first, 1)
	f, err := s.CreateFlow(context.Background(), execution.CreateFlowInput{Name: name, Definition: def})
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	return f
}

func TestService_Run_TwoRunnersRace(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	a, b, _ := runners(t, tasks, nil)
	f := createFlow(t, a, "race", "Count")
	const n = 20
	for i := range n {
		name := fmt.Sprintf("e%d", i)
		if _, err := a.StartExecution(ctx, execution.StartInput{FlowName: "race", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: name}
		var wg sync.WaitGroup
		for _, s := range []*execution.Service{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Run(ctx, ref); err != nil {
					t.Errorf("Run(%s): %v", name, err)
				}
			}()
		}
		wg.Wait()
	}
	for i := range n {
		name := fmt.Sprintf("e%d", i)
		e, err := b.DescribeExecution(ctx, execution.DescribeInput{FlowName: "race", ExecutionName: name})
		if err != nil || e.Status != execution.Succeeded {
			t.Fatalf("execution %s = %+v, %v; want Succeeded", name, e, err)
		}
		for _, state := range []string{"A", "B"} {
			if got := tasks.count(name, state); got != 1 {
				t.Errorf("execution %s: Task %s called %d times, want exactly 1", name, state, got)
			}
		}
		evs, _, err := a.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "race", ExecutionName: name, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for j, ev := range evs {
			if ev.ID != int64(j+1) {
				t.Fatalf("execution %s: event %d has id %d (history written twice?)", name, j, ev.ID)
			}
		}
	}
}

func TestService_Run_ExpiredLeaseTakenOver(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	clock := &fakeClock{now: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	a, b, enq := runners(t, tasks, clock)
	f := createFlow(t, a, "gated", "Gate")
	if _, err := a.StartExecution(ctx, execution.StartInput{FlowName: "gated", ExecutionName: "g"}); err != nil {
		t.Fatal(err)
	}
	ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "g"}
	enq.take()

	aDone := make(chan error, 1)
	go func() { aDone <- a.Run(ctx, ref) }()
	<-tasks.entered // runner A holds the lease and waits in Task A

	// A live lease: runner B and a sweep leave the execution alone.
	busy := make(chan error, 1)
	go func() { busy <- b.Run(ctx, ref) }()
	select {
	case err := <-busy:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runner B ran an execution leased by runner A")
	}
	if n, err := b.Recover(ctx); err != nil || n != 0 {
		t.Errorf("Recover with a live lease = %d, %v; want 0", n, err)
	}
	if got := tasks.count("g", "A"); got != 1 {
		t.Fatalf("Task A called %d times while leased, want 1", got)
	}

	// Runner A stalls past its lease (its heartbeat never fires on the fake
	// clock): a sweep finds the execution and runner B takes it over.
	clock.Advance(2 * time.Minute)
	if n, err := b.Recover(ctx); err != nil || n != 1 {
		t.Errorf("Recover with an expired lease = %d, %v; want 1", n, err)
	}
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run(ctx, ref) }()
	<-tasks.entered
	close(tasks.gate) // both attempts of Task A return now
	if err := <-aDone; err != nil {
		t.Errorf("stale runner A: %v", err)
	}
	if err := <-bDone; err != nil {
		t.Errorf("runner B: %v", err)
	}
	e, err := a.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: "g"})
	if err != nil || e.Status != execution.Succeeded || e.Output != `{"ok":true}` {
		t.Fatalf("execution = %+v, %v; want Succeeded", e, err)
	}
	// At least once for the step in flight, exactly once after it: the stale
	// runner lost its write and never ran Task B.
	if got := tasks.count("g", "A"); got != 2 {
		t.Errorf("Task A called %d times, want 2 (stalled attempt, takeover)", got)
	}
	if got := tasks.count("g", "B"); got != 1 {
		t.Errorf("Task B called %d times, want exactly 1", got)
	}
	evs, _, err := a.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "gated", ExecutionName: "g", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	started := 0
	for j, ev := range evs {
		if ev.ID != int64(j+1) {
			t.Fatalf("event %d has id %d", j, ev.ID)
		}
		if ev.Type == string(interp.ExecutionStarted) {
			started++
		}
	}
	if started != 1 || evs[len(evs)-1].Type != string(interp.ExecutionSucceeded) {
		t.Errorf("history has %d ExecutionStarted and ends %s; want 1 and ExecutionSucceeded", started, evs[len(evs)-1].Type)
	}
}

func TestService_Run_StoppedWhileRunning(t *testing.T) {
	ctx := context.Background()
	tasks := newCountTasks()
	a, _, _ := runners(t, tasks, nil)
	f := createFlow(t, a, "gated", "Gate")
	if _, err := a.StartExecution(ctx, execution.StartInput{FlowName: "gated", ExecutionName: "s"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "s"}) }()
	<-tasks.entered
	if _, err := a.StopExecution(ctx, execution.StopInput{FlowName: "gated", ExecutionName: "s", Error: "E", Cause: "C"}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e, _ := a.DescribeExecution(ctx, execution.DescribeInput{FlowName: "gated", ExecutionName: "s"})
	if e.Status != execution.Stopped || e.Error != "E" {
		t.Errorf("execution = %+v, want Stopped with Error E", e)
	}
	if got := tasks.count("s", "B"); got != 0 {
		t.Errorf("Task B called %d times after the stop, want 0", got)
	}
	evs, _, _ := a.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "gated", ExecutionName: "s", Limit: 1000})
	if len(evs) == 0 || evs[len(evs)-1].Type != string(interp.ExecutionStopped) || evs[len(evs)-1].Detail != `{"Cause":"C","Error":"E"}` {
		t.Errorf("history = %+v, want it to end with ExecutionStopped {Error E, Cause C}", evs)
	}
}
