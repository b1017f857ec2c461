package execution_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// fakeClock advances only when told; its timers never fire.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(time.Duration) <-chan time.Time { return nil }

// gateTasks runs the Task of gateDef flows: it reports each execution on
// started and blocks until release is closed (or its context ends); the
// task's result is then {"done":true}.
type gateTasks struct {
	release chan struct{}
	started chan string
}

func newGate() *gateTasks {
	return &gateTasks{release: make(chan struct{}), started: make(chan string, 100)}
}

// openGate returns a gate already open: every run succeeds at once.
func openGate() *gateTasks {
	g := newGate()
	close(g.release)
	return g
}

func (g *gateTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	select {
	case g.started <- call.Execution:
	default: // nobody watches an open gate
	}
	select {
	case <-g.release:
		return map[string]any{"done": true}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// awaitStarted waits until n more Task calls have entered the gate.
func (g *gateTasks) awaitStarted(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-g.started:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d Task calls entered the gate", i, n)
		}
	}
}

// openEngine is the real engine with an open gate: every run succeeds at
// once.
func openEngine() *interp.Engine {
	return interp.New(interp.Options{Tasks: openGate()})
}

// gateDef is a definition of flow name: one Task state that goes through
// the gate. A tag gives each version of a flow a text of its own.
func gateDef(name string, tag ...string) string {
	def := fmt.Sprintf("Type: StateMachine\nSpecVersion: v1\nName: %s\nStartAt: Gate\nStates:\n  - Name: Gate\n    Type: Task\n    Action: Test:Gate\n    End: true\n", name)
	for _, t := range tag {
		def += "# " + t + "\n"
	}
	return def
}

// badDef is a definition of flow name that the parser refuses with one
// issue: its only state names a Next state that does not exist.
func badDef(name string) string {
	return fmt.Sprintf("Type: StateMachine\nSpecVersion: v1\nName: %s\nStartAt: A\nStates:\n  - Name: A\n    Type: Pass\n    Next: Nowhere\n", name)
}

// newService is a service on store with the real engine, whose Tasks run
// on tasks, and two workers.
func newService(t *testing.T, store execution.Store, tasks interp.TaskRunner, clock execution.Clock) *execution.Service {
	t.Helper()
	svc := execution.New(store, execution.Options{Clock: clock, Engine: interp.New(interp.Options{Tasks: tasks}), Workers: 2})
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func mustCreate(t *testing.T, svc *execution.Service, ctx context.Context, name string) *execution.Flow {
	t.Helper()
	f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: name, Definition: gateDef(name)})
	if err != nil {
		t.Fatalf("CreateFlow(%s) = %v", name, err)
	}
	return f
}

func waitFor(t *testing.T, svc *execution.Service, ctx context.Context, flowName, name string, want execution.Status) *execution.Execution {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: flowName, ExecutionName: name})
		if err != nil {
			t.Fatal(err)
		}
		if e.Status == want {
			return e
		}
	}
	t.Fatalf("execution %s never reached %s", name, want)
	return nil
}

func TestService_StopExecution_WinsOverLateFinish(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	svc := newService(t, kv.NewMemStore(), gate, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-gate.started
	waitFor(t, svc, ctx, "f", "e", execution.Running)
	stopped, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "e", Error: "Manual", Cause: "because"})
	if err != nil || stopped.Status != execution.Stopped || stopped.Error != "Manual" || stopped.Cause != "because" {
		t.Fatalf("StopExecution = %+v, %v; want Stopped with Error and Cause", stopped, err)
	}
	close(gate.release) // a late finish must not overwrite Stopped
	time.Sleep(20 * time.Millisecond)
	e := waitFor(t, svc, ctx, "f", "e", execution.Stopped)
	if e.Output != "" {
		t.Errorf("stopped execution has Output %q", e.Output)
	}
	_, err = svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "e"})
	if !errors.Is(err, execution.ErrExecutionCompleted) {
		t.Errorf("second StopExecution = %v, want ErrExecutionCompleted", err)
	}
}

func TestService_DescribeExecution_LongPollWakes(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	svc := newService(t, kv.NewMemStore(), gate, &fakeClock{now: time.Unix(1e9, 0)}) // timers never fire
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-gate.started
	got := make(chan *execution.Execution)
	go func() {
		e, _ := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e", Wait: time.Minute})
		got <- e
	}()
	close(gate.release)
	select {
	case e := <-got:
		if e.Status != execution.Succeeded || e.Output != `{"done":true}` {
			t.Errorf("DescribeExecution = %s %q, want Succeeded with output", e.Status, e.Output)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long-poll did not wake on the in-process notification")
	}
}

func TestService_Recover_RerunsPending(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	gate := newGate()
	svc := newService(t, store, gate, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-gate.started
	_ = svc.Close() // abandons the run: the record stays Running
	svc2 := newService(t, store, gate, nil)
	if e := waitFor(t, svc2, ctx, "f", "e", execution.Running); e.StoppedTime != (time.Time{}) {
		t.Fatalf("abandoned execution = %+v, want Running", e)
	}
	n, err := svc2.Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	<-gate.started
	close(gate.release)
	waitFor(t, svc2, ctx, "f", "e", execution.Succeeded)
	if n, _ := svc2.Recover(ctx); n != 0 {
		t.Errorf("Recover after success = %d, want 0", n)
	}
}

func TestService_UpdateFlow_RunningKeepsDefinition(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	svc := newService(t, kv.NewMemStore(), gate, nil)
	f1 := mustCreate(t, svc, ctx, "f")
	v1, err := svc.ParsedFlow(f1.ID, "f", f1.ExecutionMode, f1.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-gate.started
	def := gateDef("f", "v2")
	f, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &def})
	if err != nil || f.Definition != def || f.ExecutionMode != flow.Standard {
		t.Fatalf("UpdateFlow = %+v, %v", f, err)
	}
	bad := badDef("f")
	var argErr *execution.ArgumentError
	if _, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &bad}); !errors.As(err, &argErr) || len(argErr.Issues) != 1 {
		t.Errorf("UpdateFlow(invalid) = %v, want an ArgumentError with one issue", err)
	}
	e, _ := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"})
	if e.FlowDefinition != f1.Definition {
		t.Errorf("running execution FlowDefinition = %q, want the snapshot %q", e.FlowDefinition, f1.Definition)
	}
	close(gate.release)
	waitFor(t, svc, ctx, "f", "e", execution.Succeeded)
	// Each valid version was parsed once: create (v1), whose run used the
	// cached parse, and update (v2); the invalid one is not kept.
	if n := svc.ParseCacheLen(); n != 2 {
		t.Errorf("parse cache holds %d flow versions, want 2 (one per valid definition version)", n)
	}
	if again, err := svc.ParsedFlow(f1.ID, "f", f1.ExecutionMode, f1.Definition); err != nil || again != v1 {
		t.Errorf("v1 after its run parsed to %p, %v; want the cached %p", again, err, v1)
	}
}

func TestService_DeleteFlow_NewNamespace(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	svc := newService(t, kv.NewMemStore(), gate, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-gate.started
	if err := svc.DeleteFlow(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DescribeFlow(ctx, "f"); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("DescribeFlow after delete = %v, want ErrFlowNotFound", err)
	}
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}); !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Errorf("old execution on the re-created flow: %v, want ErrExecutionNotFound", err)
	}
	e, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"})
	if err != nil || e.Status != execution.Starting {
		t.Errorf("StartExecution on re-created flow = %+v, %v; want a new Starting execution", e, err)
	}
}

func TestService_ListExecutions_OrderAndPaging(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	gate := newGate()
	svc := newService(t, kv.NewMemStore(), gate, clock)
	mustCreate(t, svc, ctx, "f")
	for _, name := range []string{"b", "a", "c", "d"} { // b and a start together, then c, then d
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		if name != "b" {
			clock.Advance(time.Second)
		}
	}
	var got []string
	token := ""
	for page := 0; page < 5; page++ {
		list, next, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 3, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			got = append(got, e.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if want := "d,c,a,b"; strings.Join(got, ",") != want {
		t.Errorf("ListExecutions pages = %v, want %s", got, want)
	}
	list, _, _ := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10, StartedTimeBegin: clock.Now().Add(-2 * time.Second)})
	if len(list) != 2 || list[0].Name != "d" {
		t.Errorf("ListExecutions since c = %d items, want c and d", len(list))
	}
	// Another account sees none of it.
	other := auth.NewContext(context.Background(), auth.Identity{AccountID: "other"})
	if _, _, err := svc.ListExecutions(other, execution.ListInput{FlowName: "f", Limit: 10}); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("ListExecutions from another account = %v, want ErrFlowNotFound", err)
	}
	close(gate.release)
}

func TestService_ListFlows_Paging(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, kv.NewMemStore(), newGate(), nil)
	for i := range 7 {
		name := fmt.Sprintf("f%d", 6-i)
		in := execution.CreateFlowInput{Name: name, Definition: gateDef(name)}
		if i%2 == 0 {
			in.ResourceGroupID = "rg"
		}
		if _, err := svc.CreateFlow(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	token := ""
	for {
		flows, next, err := svc.ListFlows(ctx, execution.ListFlowsInput{Limit: 3, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range flows {
			got = append(got, f.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if want := "f0,f1,f2,f3,f4,f5,f6"; strings.Join(got, ",") != want {
		t.Errorf("ListFlows pages = %v, want %s", got, want)
	}
	flows, _, _ := svc.ListFlows(ctx, execution.ListFlowsInput{Limit: 10, ResourceGroupID: "rg"})
	if len(flows) != 4 || flows[0].Name != "f0" {
		t.Errorf("ListFlows(rg) = %d flows, want f0 f2 f4 f6", len(flows))
	}
}

// Executions blocked in a long Wait or a slow Task must not keep others in
// Starting: with the default Pool limit, eight blocked runs are all Running.
func TestService_DefaultPool_BlockedRunsDoNotStarve(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Tasks: gate})})
	t.Cleanup(func() { _ = svc.Close() })
	mustCreate(t, svc, ctx, "f")
	for i := range 8 {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: fmt.Sprintf("e%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 8 {
		waitFor(t, svc, ctx, "f", fmt.Sprintf("e%d", i), execution.Running)
	}
	close(gate.release)
}

// NextToken is a position: a page boundary execution that stops matching
// the Status filter before the next page is asked for does not break the
// listing; a token naming no execution of the flow is an ArgumentError.
func TestService_ListExecutions_TokenNoLongerMatchesFilter(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	gate := newGate()
	svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: interp.New(interp.Options{Tasks: gate})})
	t.Cleanup(func() { _ = svc.Close() })
	t.Cleanup(func() { close(gate.release) })
	mustCreate(t, svc, ctx, "f")
	for _, name := range []string{"a", "b", "c"} {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	for _, name := range []string{"a", "b", "c"} {
		waitFor(t, svc, ctx, "f", name, execution.Running)
	}
	list, next, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 1, Status: execution.Running})
	if err != nil || len(list) != 1 || list[0].Name != "c" || next != "b" {
		t.Fatalf("first page = %d items, next %q, %v; want c, next b", len(list), next, err)
	}
	if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "b"}); err != nil {
		t.Fatal(err)
	}
	list, next, err = svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 1, Status: execution.Running, NextToken: next})
	if err != nil || len(list) != 1 || list[0].Name != "a" || next != "" {
		t.Fatalf("second page = %d items, next %q, %v; want a, last page", len(list), next, err)
	}
	var ae *execution.ArgumentError
	if _, _, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 1, NextToken: "nope"}); !errors.As(err, &ae) {
		t.Errorf("ListExecutions with unknown NextToken = %v, want ArgumentError", err)
	}
}
