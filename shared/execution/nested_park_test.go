package execution_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Flows whose Waits sit inside Parallel branches, Map iterations and a
// legacy foreach (with a legacy wait step at top level too).
const (
	parallelWaitsFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W1
        States:
          - {Name: W1, Type: Wait, Seconds: 30, Next: A}
          - {Name: A, Type: Pass, OutputConstructor: {a.$: $Input.n}, End: true}
      - StartAt: W2
        States:
          - {Name: W2, Type: Wait, Seconds: 60, End: true}
    End: true
`
	mapWaitsFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor:
      StartAt: W
      States:
        - {Name: W, Type: Wait, Seconds.$: $Input.s, OutputConstructor: {s.$: $Input.s}, End: true}
    End: true
`
	legacyWaitsFlow = `# flow %s
version: v1
type: flow
steps:
  - {type: wait, name: first, duration: 10}
  - type: foreach
    name: each
    iterationMapping: {collection: $input.xs, item: x}
    steps:
      - {type: wait, name: w, duration: 50}
      - type: pass
        name: p
        outputMappings: [{target: x, source: $input.x}]
    outputMappings:
      - target: xs
        source: $local[*].x
`
)

var nestedParkCases = []struct {
	name, def, input, output string
	wakes                    []time.Duration // WakeAt of each park, after the start
}{
	{"parallel, a Wait in each of 2 branches", parallelWaitsFlow, `{"n":7}`,
		`{"Branch0":{"a":7},"Branch1":{"n":7}}`, []time.Duration{30 * time.Second, 60 * time.Second}},
	{"map of 5 iterations, each waiting", mapWaitsFlow, `{"xs":[{"s":40},{"s":20},{"s":40},{"s":20},{"s":40}]}`,
		`{"Items":[{"s":40},{"s":20},{"s":40},{"s":20},{"s":40}]}`, []time.Duration{20 * time.Second, 40 * time.Second}},
	{"legacy wait step and foreach of wait steps", legacyWaitsFlow, `{"xs":[1,2,3]}`,
		`{"xs":[1,2,3]}`, []time.Duration{10 * time.Second, 60 * time.Second}},
}

// Each flow parks at every due time with no worker running it, resumes the
// due parts when the clock reaches them (the others park again), and ends
// with the output and the history of a run that never parked.
func TestService_NestedWaits_ParkWithoutWorker(t *testing.T) {
	for i, tc := range nestedParkCases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newManualClock()
			svc := parkService(t, kv.NewMemStore(), clock, nil)
			name := fmt.Sprint("f", i)
			if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: name, Definition: fmt.Sprintf(tc.def, name)}); err != nil {
				t.Fatal(err)
			}
			start := clock.Now()
			if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: name, ExecutionName: "e", Input: tc.input}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.wakes {
				e := waitParked(t, svc, name, "e", start.Add(w))
				if e.Status != execution.Running || e.Checkpoint == nil {
					t.Fatalf("parked: status %s, checkpoint %+v", e.Status, e.Checkpoint)
				}
				waitIdle(t, svc)
				clock.Advance(start.Add(w).Sub(clock.Now()))
			}
			e := waitFor(t, svc, ctx, name, "e", execution.Succeeded)
			if e.Output != tc.output || !e.StoppedTime.Equal(start.Add(tc.wakes[len(tc.wakes)-1])) {
				t.Errorf("ended with %s at start+%v, want %s at start+%v", e.Output, e.StoppedTime.Sub(start), tc.output, tc.wakes[len(tc.wakes)-1])
			}
			wantUnparkedHistory(t, svc, name, "e", tc.def, tc.input)
		})
	}
}

// wantUnparkedHistory compares the stored history of flowName/name with
// the events of an in-process run of the same flow that never parked:
// the same events, each once (concurrent branches interleave in any
// order), with gapless EventIds.
func wantUnparkedHistory(t *testing.T, svc *execution.Service, flowName, name, def, input string) {
	t.Helper()
	ctx := context.Background()
	evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: flowName, ExecutionName: name, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d has EventId %d", i, ev.ID)
		}
		got = append(got, ev.StepName+":"+string(ev.Type))
	}
	f, err := svc.ParsedFlow("ref", flowName, "", fmt.Sprintf(def, flowName))
	if err != nil {
		t.Fatal(err)
	}
	rec := &eventList{}
	interp.New(interp.Options{Clock: newManualSkipClock()}).Run(ctx, f, interp.Execution{Name: name, Input: []byte(input), Recorder: rec})
	var want []string
	for _, ev := range rec.evs {
		want = append(want, ev.StepName+":"+string(ev.Type))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("history (sorted) =\n%v\nwant (a run that never parked)\n%v", got, want)
	}
}

type eventList struct{ evs []interp.Event }

func (l *eventList) Record(_ string, ev interp.Event) { l.evs = append(l.evs, ev) }

// newManualSkipClock is a manual clock whose sleeps pass at once.
func newManualSkipClock() interp.Clock { return &skipping{newManualClock()} }

type skipping struct{ *manualClock }

func (s *skipping) Sleep(ctx context.Context, d time.Duration) error {
	s.Advance(d)
	return ctx.Err()
}

// One worker holds thousands of executions parked in Parallel branches:
// each returns the worker at its Waits, another flow still runs at once,
// and all of them end when the clock reaches their due time.
func TestService_NestedWaits_OneWorkerHoldsThousands(t *testing.T) {
	const n = 2000
	ctx := context.Background()
	clock := newManualClock()
	svc := parkService(t, kv.NewMemStore(), clock, nil)
	for _, f := range []struct{ name, def string }{{"p", fmt.Sprintf(parallelWaitsFlow, "p")}, {"w", fmt.Sprintf(waitFlow, "w")}} {
		if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: f.name, Definition: f.def}); err != nil {
			t.Fatal(err)
		}
	}
	due := clock.Now().Add(30 * time.Second)
	for i := range n {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "p", ExecutionName: fmt.Sprint("e", i), Input: fmt.Sprintf(`{"n":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, svc, n, func(e *execution.Execution) bool { return e.Lease.Owner == "" && e.WakeAt.Equal(due) })
	waitIdle(t, svc)
	// The one worker is free: another execution runs to its own Wait.
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "w", ExecutionName: "other", Input: `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	waitParked(t, svc, "w", "other", clock.Now().Add(time.Minute))
	clock.Advance(30 * time.Second) // the first branches go on, the second ones park again
	waitAll(t, svc, n, func(e *execution.Execution) bool {
		return e.Lease.Owner == "" && e.WakeAt.Equal(due.Add(30*time.Second))
	})
	clock.Advance(30 * time.Second)
	waitAll(t, svc, n, func(e *execution.Execution) bool { return e.Status == execution.Succeeded })
	for i := range n {
		e := waitFor(t, svc, ctx, "p", fmt.Sprint("e", i), execution.Succeeded)
		if want := fmt.Sprintf(`{"Branch0":{"a":%d},"Branch1":{"n":%d}}`, i, i); e.Output != want {
			t.Fatalf("e%d output = %s, want %s", i, e.Output, want)
		}
	}
	waitFor(t, svc, ctx, "w", "other", execution.Succeeded)
}

// waitIdle waits until no worker of svc's Pool runs an execution (a
// parked run returns its worker just after its last write).
func waitIdle(t *testing.T, svc *execution.Service) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); svc.PoolRunning() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still busy with parked executions, want 0", svc.PoolRunning())
		}
	}
}

// waitAll waits until executions e0 to e<n-1> of flow p are all in the
// state ok says; one worker goes through them one after another (slowly
// under -race), so the wait is long.
func waitAll(t *testing.T, svc *execution.Service, n int, ok func(*execution.Execution) bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; i < n; {
		e, err := svc.DescribeExecution(context.Background(), execution.DescribeInput{FlowName: "p", ExecutionName: fmt.Sprint("e", i)})
		switch {
		case err != nil:
			t.Fatal(err)
		case ok(e):
			i++
		case time.Now().After(deadline):
			t.Fatalf("e%d never got there: status %s, lease %+v, wakeAt %v", i, e.Status, e.Lease, e.WakeAt)
		default:
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// A new Service on the same bbolt file resumes an execution parked in
// Parallel branches at the branches' original due times: Recover enqueues
// nothing early, the branch already due when the restart happens is not
// waited again, and no state is entered twice.
func TestService_NestedWaits_RestartOnBolt(t *testing.T) {
	ctx := context.Background()
	clock := newManualClock()
	dir := t.TempDir()
	open := func() *kv.BoltStore {
		s, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	store := open()
	first := parkService(t, store, clock, nil)
	if _, err := first.CreateFlow(ctx, execution.CreateFlowInput{Name: "p", Definition: fmt.Sprintf(parallelWaitsFlow, "p")}); err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	if _, err := first.StartExecution(ctx, execution.StartInput{FlowName: "p", ExecutionName: "e", Input: `{"n":3}`}); err != nil {
		t.Fatal(err)
	}
	waitParked(t, first, "p", "e", start.Add(30*time.Second))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(45 * time.Second) // down: the first branch falls due meanwhile

	store = open()
	t.Cleanup(func() { _ = store.Close() })
	second := parkService(t, store, clock, nil)
	if _, err := second.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	// Overdue, it runs the first branch on and parks until the second's
	// original due time, not 60 s after the restart.
	waitParked(t, second, "p", "e", start.Add(60*time.Second))
	clock.Advance(15 * time.Second)
	e := waitFor(t, second, ctx, "p", "e", execution.Succeeded)
	if e.Output != `{"Branch0":{"a":3},"Branch1":{"n":3}}` || !e.StoppedTime.Equal(start.Add(60*time.Second)) {
		t.Errorf("ended with %s at start+%v, want the outputs at start+60s", e.Output, e.StoppedTime.Sub(start))
	}
	wantUnparkedHistory(t, second, "p", "e", parallelWaitsFlow, `{"n":3}`)
}

// StartSync (an Express run inside the call) runs Waits in Parallel
// branches to the end in process: the run sleeps until each due time, so
// the two branches' Waits overlap.
func TestService_StartSync_NestedWaits(t *testing.T) {
	ctx := context.Background()
	clock := interptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Clock: clock})})
	t.Cleanup(func() { _ = svc.Close() })
	def := strings.ReplaceAll(strings.ReplaceAll(fmt.Sprintf(parallelWaitsFlow, "x"), "30", "5"), "60", "8")
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "x", Definition: def, ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}
	e, err := svc.StartSync(ctx, execution.StartInput{FlowName: "x", Input: `{"n":2}`})
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != execution.Succeeded || e.Output != `{"Branch0":{"a":2},"Branch1":{"n":2}}` {
		t.Fatalf("StartSync = %s %s (%s: %s), want the branches' outputs", e.Status, e.Output, e.Error, e.Cause)
	}
	if got, want := clock.Sleeps(), []time.Duration{5 * time.Second, 3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

// A Parallel with a callback task in one branch and a Wait in the other
// parks until the Wait's due time; a report while it is parked runs the
// callback's branch on and the execution parks again, still until the
// Wait's due time, then ends when the clock reaches it.
func TestService_NestedWait_BesideCallback(t *testing.T) {
	ctx := context.Background()
	clock := newManualClock()
	tokens := make(chan string, 4)
	svc := parkService(t, kv.NewMemStore(), clock, tokenTasks{tokens})
	def := `Type: StateMachine
SpecVersion: v1
Name: m
StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: C
        States:
          - {Name: C, Type: Task, Action: Test:Callback, TaskMode: WaitForCustomCallback, End: true}
      - StartAt: W
        States:
          - {Name: W, Type: Wait, Seconds: 60, End: true}
    End: true
`
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "m", Definition: def}); err != nil {
		t.Fatal(err)
	}
	due := clock.Now().Add(time.Minute)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "m", ExecutionName: "e", Input: `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	e := waitParked(t, svc, "m", "e", due)
	if _, ok := e.Checkpoint.Waiting(); !ok {
		t.Fatalf("parked checkpoint %+v does not wait", e.Checkpoint)
	}
	var tok string
	select {
	case tok = <-tokens:
	case <-time.After(5 * time.Second):
		t.Fatal("no task token handed out")
	}
	if _, err := svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: `{"c":true}`}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		e = waitParked(t, svc, "m", "e", due)
		if e.Checkpoint.Fan != nil && len(e.Checkpoint.Fan.Children) == 1 {
			break // the reported branch has ended
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reported branch never ended: checkpoint %+v", e.Checkpoint.Fan)
		}
	}
	clock.Advance(time.Minute)
	if e := waitFor(t, svc, ctx, "m", "e", execution.Succeeded); e.Output != `{"Branch0":{"c":true},"Branch1":{"n":1}}` || !e.StoppedTime.Equal(due) {
		t.Errorf("ended with %s at %v, want both branches' outputs at %v", e.Output, e.StoppedTime, due)
	}
}
