package interp

import (
	"context"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// flakyMap fails the items whose f is 1 with Boom (Test:Flaky, no Retry).
const flakyMap = header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: 1
    ProcessorConfig: {ExecutionMode: Express}
    Processor:
      StartAt: P
      States:
        - {Name: P, Type: Task, Action: "Test:Flaky", Parameters: {failures.$: $Input.f, error: Boom}, End: true}
    End: true
`

// runMapRun runs flakyMap on input, calling set on the map run as it
// starts, and returns the result and the map run's final state.
func runMapRun(t *testing.T, input string, set maprun.Settings) (Result, maprun.State) {
	t.Helper()
	clock := newFakeClock()
	e := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}, UUID: func() string { return "00000000-0000-4000-8000-000000000000" }})
	var runs []*maprun.Run
	res := e.Run(context.Background(), mustParse(t, flow.Standard, flakyMap), Execution{Name: "exec-1", Input: []byte(input),
		OnMapRun: func(r *maprun.Run) {
			r.Update(set)
			runs = append(runs, r)
		}})
	if len(runs) != 1 {
		t.Fatalf("OnMapRun called %d times, want once", len(runs))
	}
	st, _ := runs[0].State()
	if st.Name != "M-00000000-0000-4000-8000-000000000000" || !st.StartedTime.Equal(clock.Now()) || st.StoppedTime.IsZero() {
		t.Errorf("map run name %q started %v stopped %v", st.Name, st.StartedTime, st.StoppedTime)
	}
	return res, st
}

func TestMapRun_ToleratedFailureLeavesNull(t *testing.T) {
	res, st := runMapRun(t, `{"xs":[{"f":0},{"f":1},{"f":0}]}`, maprun.Settings{ToleratedFailedCount: ptrTo(1)})
	wantResult(t, res, Succeeded, `{"Items":[{"attempt":0},null,{"attempt":0}]}`, "")
	if want := (maprun.Counts{Total: 3, Succeed: 2, Failed: 1}); st.Status != maprun.Succeeded || st.Counts != want {
		t.Errorf("map run %s %+v, want Succeeded %+v", st.Status, st.Counts, want)
	}
}

func TestMapRun_UntoleratedFailureFailsTheMap(t *testing.T) {
	res, st := runMapRun(t, `{"xs":[{"f":0},{"f":1},{"f":0}]}`, maprun.Settings{})
	wantResult(t, res, Failed, "", "Boom")
	c := st.Counts
	// Items start in no fixed order: the failure aborts those not run yet.
	if st.Status != maprun.Failed || c.Total != 3 || c.Failed != 1 || c.Succeed+c.Aborted != 2 || c.Running+c.Pending != 0 {
		t.Errorf("map run %s %+v, want Failed with 1 failed and the rest succeeded or aborted", st.Status, c)
	}
}

func ptrTo[T any](v T) *T { return &v }

// An item waiting out a Retry interval is suspended, not failed: the map
// run counts it once, as succeeded, when it ends.
func TestMapRun_SuspendedItemIsNotAFailure(t *testing.T) {
	src := header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    ProcessorConfig: {ExecutionMode: Express}
    Processor:
      StartAt: P
      States:
        - Name: P
          Type: Task
          Action: "Test:Flaky"
          Parameters: {failures: 1, error: Busy}
          Retry: [{Errors: [Busy], IntervalSeconds: 2, MaxAttempts: 1}]
          End: true
    End: true
`
	clock := newFakeClock()
	var run *maprun.Run
	res := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Run(context.Background(), mustParse(t, flow.Standard, src),
		Execution{Name: "x", Input: []byte(`{"xs":[{},{},{}]}`), OnMapRun: func(r *maprun.Run) { run = r }})
	wantResult(t, res, Succeeded, `{"Items":[{"attempt":1},{"attempt":1},{"attempt":1}]}`, "")
	st, _ := run.State()
	if want := (maprun.Counts{Total: 3, Succeed: 3}); st.Status != maprun.Succeeded || st.Counts != want {
		t.Errorf("map run %s %+v, want Succeeded %+v", st.Status, st.Counts, want)
	}
}
