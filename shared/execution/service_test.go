package execution_test

import (
	"context"
	"encoding/json"
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

// gateEngine blocks every run until released (or its context ends) and
// records the definitions it ran.
type gateEngine struct {
	release chan struct{}
	mu      sync.Mutex
	runs    []string // execution names, in start order
	started chan string
}

func newGateEngine() *gateEngine {
	return &gateEngine{release: make(chan struct{}), started: make(chan string, 100)}
}

func (g *gateEngine) Run(ctx context.Context, _ *flow.Flow, ex interp.Execution) interp.Result {
	g.mu.Lock()
	g.runs = append(g.runs, ex.Name)
	g.mu.Unlock()
	g.started <- ex.Name
	select {
	case <-g.release:
		return interp.Result{Status: interp.Succeeded, Output: json.RawMessage(`{"done":true}`)}
	case <-ctx.Done():
		return interp.Result{Status: interp.Stopped}
	}
}

// parseCounter counts Parse calls.
type parseCounter struct {
	mu sync.Mutex
	n  int
}

func (p *parseCounter) parse(src []byte, _ flow.ParseOptions) (*flow.Flow, error) {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	if strings.Contains(string(src), "INVALID") {
		return nil, flow.Issues{{Path: "States[0](A)", Msg: "Next names no state"}}
	}
	return &flow.Flow{}, nil
}

func newService(t *testing.T, store execution.Store, eng execution.Engine, clock execution.Clock) (*execution.Service, *parseCounter) {
	t.Helper()
	pc := &parseCounter{}
	svc := execution.New(store, execution.Options{Clock: clock, Engine: eng, Parse: pc.parse, Workers: 2})
	t.Cleanup(func() { _ = svc.Close() })
	return svc, pc
}

func mustCreate(t *testing.T, svc *execution.Service, ctx context.Context, name string) *execution.Flow {
	t.Helper()
	f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: name, Definition: "def-" + name})
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
	eng := newGateEngine()
	svc, _ := newService(t, kv.NewMemStore(), eng, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	waitFor(t, svc, ctx, "f", "e", execution.Running)
	stopped, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "e", Error: "Manual", Cause: "because"})
	if err != nil || stopped.Status != execution.Stopped || stopped.Error != "Manual" || stopped.Cause != "because" {
		t.Fatalf("StopExecution = %+v, %v; want Stopped with Error and Cause", stopped, err)
	}
	close(eng.release) // a late finish must not overwrite Stopped
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
	eng := newGateEngine()
	svc, _ := newService(t, kv.NewMemStore(), eng, &fakeClock{now: time.Unix(1e9, 0)}) // timers never fire
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	got := make(chan *execution.Execution)
	go func() {
		e, _ := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e", Wait: time.Minute})
		got <- e
	}()
	close(eng.release)
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
	eng := newGateEngine()
	svc, _ := newService(t, store, eng, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	_ = svc.Close() // abandons the run: the record stays Running
	svc2, _ := newService(t, store, eng, nil)
	if e := waitFor(t, svc2, ctx, "f", "e", execution.Running); e.StoppedTime != (time.Time{}) {
		t.Fatalf("abandoned execution = %+v, want Running", e)
	}
	n, err := svc2.Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	<-eng.started
	close(eng.release)
	waitFor(t, svc2, ctx, "f", "e", execution.Succeeded)
	if n, _ := svc2.Recover(ctx); n != 0 {
		t.Errorf("Recover after success = %d, want 0", n)
	}
}

func TestService_UpdateFlow_RunningKeepsDefinition(t *testing.T) {
	ctx := context.Background()
	eng := newGateEngine()
	svc, pc := newService(t, kv.NewMemStore(), eng, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	def := "def-v2"
	f, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &def})
	if err != nil || f.Definition != def || f.ExecutionMode != flow.Standard {
		t.Fatalf("UpdateFlow = %+v, %v", f, err)
	}
	bad := "INVALID"
	var argErr *execution.ArgumentError
	if _, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &bad}); !errors.As(err, &argErr) || len(argErr.Issues) != 1 {
		t.Errorf("UpdateFlow(invalid) = %v, want an ArgumentError with one issue", err)
	}
	e, _ := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"})
	if e.FlowDefinition != "def-f" {
		t.Errorf("running execution FlowDefinition = %q, want the snapshot def-f", e.FlowDefinition)
	}
	close(eng.release)
	waitFor(t, svc, ctx, "f", "e", execution.Succeeded)
	// Parse ran for create (v1), the v1 run hit the cache, update (v2), invalid.
	if pc.n != 3 {
		t.Errorf("Parse calls = %d, want 3 (one per definition version)", pc.n)
	}
}

func TestService_DeleteFlow_NewNamespace(t *testing.T) {
	ctx := context.Background()
	eng := newGateEngine()
	svc, _ := newService(t, kv.NewMemStore(), eng, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	<-eng.started
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
	eng := newGateEngine()
	svc, _ := newService(t, kv.NewMemStore(), eng, clock)
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
	close(eng.release)
}

func TestService_ListFlows_Paging(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, kv.NewMemStore(), newGateEngine(), nil)
	for i := range 7 {
		in := execution.CreateFlowInput{Name: fmt.Sprintf("f%d", 6-i), Definition: "d"}
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
	eng := newGateEngine()
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: eng, Parse: (&parseCounter{}).parse})
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
	close(eng.release)
}

// NextToken is a position: a page boundary execution that stops matching
// the Status filter before the next page is asked for does not break the
// listing; a token naming no execution of the flow is an ArgumentError.
func TestService_ListExecutions_TokenNoLongerMatchesFilter(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	eng := newGateEngine()
	svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: eng, Parse: (&parseCounter{}).parse})
	t.Cleanup(func() { _ = svc.Close() })
	t.Cleanup(func() { close(eng.release) })
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
