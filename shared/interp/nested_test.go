package interp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// parallelCallbackFlow: branch 0 waits for a report (Timeout 30 s, a
// timeout caught inside the branch), branch 1 runs an ordinary Task.
const parallelCallbackFlow = header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W
        States:
          - Name: W
            Type: Task
            Action: "Test:Echo"
            TaskMode: WaitForCustomCallback
            Timeout: "30"
            Parameters: {token.$: $Context.Current.TaskToken}
            Catch: [{Errors: [FnF.Timeout], Next: Late}]
            Next: After
          - {Name: After, Type: Pass, OutputConstructor: {got.$: $Input.v}, End: true}
          - {Name: Late, Type: Pass, End: true}
      - StartAt: E
        States:
          - {Name: E, Type: Task, Action: "Test:Echo", Parameters: {e: 1}, End: true}
    Next: Done
  - {Name: Done, Type: Succeed}
`

// roundTrip encodes cp as JSON and back, as a store does.
func roundTrip(t *testing.T, cp Checkpoint) Checkpoint {
	t.Helper()
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var back Checkpoint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// resumeAt checkpoints m, round-trips the checkpoint and resumes it.
func resumeAt(t *testing.T, e *Engine, f *flow.Flow, ex Execution, m *Machine) *Machine {
	t.Helper()
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	m2, err := e.Resume(f, ex, roundTrip(t, cp))
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	return m2
}

func countEvents(evs []Event, typ EventType) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// A callback task in a Parallel branch suspends that branch only: the
// sibling finishes in the same Step, the Machine waits with the branch's
// token, and after a checkpoint, a resume and the report the Parallel ends
// with both outputs.
func TestMachine_Parallel_CallbackSuspendsOneBranch(t *testing.T) {
	e, f, m, rec, _, tasks := startCallback(t, parallelCallbackFlow)
	tok, deadline, ok := m.Waiting()
	if !ok || tok == "" || deadline.IsZero() {
		t.Fatalf("Waiting() = %q, %v, %v; want the branch's token and its deadline", tok, deadline, ok)
	}
	if calls := tasks.Calls(); len(calls) != 2 {
		t.Fatalf("runner calls = %d, want 2 (the sibling ran)", len(calls))
	}
	if n := countEvents(rec.evs, BranchExited); n != 1 {
		t.Fatalf("BranchExited events = %d before the report, want 1 (the sibling)", n)
	}
	if ps := m.Pending(); len(ps) != 1 || ps[0].Token != tok {
		t.Fatalf("Pending() = %+v, want the one token %q", ps, tok)
	}
	ex := execWithTokens("exec-1", rec)
	m2 := resumeAt(t, e, f, ex, m)
	if got, _, ok := m2.Waiting(); !ok || got != tok {
		t.Fatalf("resumed Waiting() = %q, %v; want %q", got, ok, tok)
	}
	if _, err := m2.Complete("tok-999", map[string]any{}); !errors.Is(err, ErrTokenMismatch) {
		t.Errorf("Complete(unknown) = %v, want ErrTokenMismatch", err)
	}
	if _, err := m2.Complete(tok, map[string]any{"v": "yes"}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if _, err := m2.Complete(tok, map[string]any{"v": "again"}); !errors.Is(err, ErrAlreadyReported) {
		t.Errorf("second Complete = %v, want ErrAlreadyReported", err)
	}
	// The report survives a checkpoint taken before the next Step.
	m3 := resumeAt(t, e, f, ex, m2)
	wantResult(t, runToEnd(t, m3), Succeeded, `{"Branch0":{"got":"yes"},"Branch1":{"e":1}}`, "")
	if calls := tasks.Calls(); len(calls) != 2 {
		t.Errorf("runner calls = %d after the resume, want 2 (no branch ran again)", len(calls))
	}
	if n := countEvents(rec.evs, BranchExited); n != 2 {
		t.Errorf("BranchExited events = %d, want 2", n)
	}
}

// A branch's task Timeout fails that branch's task with FnF.Timeout
// (TaskTimedOut), which the branch's own Catch handles.
func TestMachine_Parallel_BranchTimeout(t *testing.T) {
	_, _, m, rec, clock, _ := startCallback(t, parallelCallbackFlow)
	_ = clock.Sleep(context.Background(), 29*time.Second)
	if _, _, ok := m.Waiting(); !ok {
		t.Fatal("not waiting before the Timeout")
	}
	_ = clock.Sleep(context.Background(), time.Second)
	if _, _, ok := m.Waiting(); ok {
		t.Fatal("still waiting once the Timeout passed")
	}
	wantResult(t, runToEnd(t, m), Succeeded, `{"Branch0":{"Error":"FnF.Timeout","Cause":"task W was not reported within its Timeout"},"Branch1":{"e":1}}`, "")
	if n := countEvents(rec.evs, TaskTimedOut); n != 1 {
		t.Errorf("TaskTimedOut events = %d, want 1", n)
	}
}

// A sibling's uncaught failure fails the Parallel and drops the waiting
// branch: its token is no longer known (reference 3.9).
func TestMachine_Parallel_SiblingFailureDropsWait(t *testing.T) {
	src := header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W
        States:
          - {Name: W, Type: Task, Action: "Test:Echo", TaskMode: WaitForCustomCallback, End: true}
      - StartAt: S
        States:
          - {Name: S, Type: Task, Action: "Test:Echo", TaskMode: WaitForCustomCallback, Next: F}
          - {Name: F, Type: Task, Action: "Test:Fail", Parameters: {error: Boom, cause: b}, End: true}
    End: true
`
	_, _, m, _, _, _ := startCallback(t, src)
	ps := m.Pending()
	if len(ps) != 2 {
		t.Fatalf("Pending() = %+v, want two tasks", ps)
	}
	if _, err := m.Complete(ps[1].Token, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	wantResult(t, runToEnd(t, m), Failed, "", "Boom")
	if _, err := m.Complete(ps[0].Token, map[string]any{}); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("report to the dropped branch = %v, want ErrNotWaiting", err)
	}
}

// mapCallbackFlow: every item waits for a report, at most two at once.
const mapCallbackFlow = header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: 2
    Processor:
      StartAt: W
      States:
        - Name: W
          Type: Task
          Action: "Test:Echo"
          TaskMode: WaitForCustomCallback
          Parameters: {item.$: $Input}
          OutputConstructor: {item.$: $Input, r.$: $Output.r}
          End: true
    End: true
`

// Map iterations wait one by one: MaxConcurrency bounds the iterations
// waiting at once, each report lets the next item start, and the output
// keeps item order whatever the report order. Every Step goes through a
// checkpoint and a resume.
func TestMachine_Map_CallbacksBoundedByConcurrency(t *testing.T) {
	clock := newFakeClock()
	tasks := &testTasks{clock: clock}
	e := New(Options{Clock: clock, Tasks: tasks})
	f := mustParse(t, flow.Standard, mapCallbackFlow)
	rec := &memRecorder{}
	ex := execWithTokens("exec-1", rec)
	ex.Input = []byte(`{"xs":["a","b","c","d","e"]}`)
	m := e.Start(f, ex)
	stepUntilWaiting(t, m)
	items := func() []string {
		var got []string
		for _, c := range tasks.Calls() {
			got = append(got, fmt.Sprint(c.Parameters.(map[string]any)["item"]))
		}
		return got
	}
	for round := 0; ; round++ {
		ps := m.Pending()
		if len(ps) > 2 {
			t.Fatalf("round %d: %d iterations wait at once, want at most 2", round, len(ps))
		}
		if len(ps) == 0 {
			break
		}
		// Report the newest first, so reports arrive out of item order.
		last := ps[len(ps)-1]
		if _, err := m.Complete(last.Token, map[string]any{"r": round}); err != nil {
			t.Fatalf("round %d: Complete: %v", round, err)
		}
		m = resumeAt(t, e, f, ex, m)
		if m.Step(context.Background()) {
			break
		}
		m = resumeAt(t, e, f, ex, m)
	}
	// The first two start together (in either order), then one per report.
	got := items()
	if len(got) == 5 && got[0] > got[1] {
		got[0], got[1] = got[1], got[0]
	}
	if s := strings.Join(got, ","); s != "a,b,c,d,e" {
		t.Errorf("items started in order %s, want a and b, then c, d, e", s)
	}
	res := runToEnd(t, m)
	if res.Status != Succeeded {
		t.Fatalf("result %+v", res)
	}
	out, _ := value.Decode(res.Output)
	list := out.(map[string]any)["Items"].([]any)
	for i, want := range []string{"a", "b", "c", "d", "e"} {
		if it := list[i].(map[string]any)["item"]; it != want {
			t.Errorf("Items[%d].item = %v, want %s", i, it, want)
		}
	}
	if n := countEvents(rec.evs, IterationExited); n != 5 {
		t.Errorf("IterationExited events = %d, want 5", n)
	}
}

// nestedFlow: a Map whose iterations run a Parallel with a waiting branch.
const nestedFlow = header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor:
      StartAt: P
      States:
        - Name: P
          Type: Parallel
          Branches:
            - StartAt: W
              States:
                - {Name: W, Type: Task, Action: "Test:Echo", TaskMode: WaitForCustomCallback, End: true}
            - StartAt: Q
              States:
                - {Name: Q, Type: Pass, End: true}
          OutputConstructor: {w.$: $Output.Branch0.w, q.$: $Output.Branch1}
          End: true
    End: true
`

// Callbacks two levels down (a Parallel branch inside a Map iteration)
// resume through checkpoints; with LoadOutputs the checkpoints leave the
// finished children's outputs to the history, which gives them back.
func TestMachine_Nested_CallbacksWithOutputsInHistory(t *testing.T) {
	for _, inHistory := range []bool{false, true} {
		t.Run(fmt.Sprintf("outputs in history %v", inHistory), func(t *testing.T) {
			clock := newFakeClock()
			e := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}})
			f := mustParse(t, flow.Standard, nestedFlow)
			rec := &memRecorder{}
			ex := execWithTokens("exec-1", rec)
			ex.Input = []byte(`{"xs":[1,2,3]}`)
			loads := 0
			if inHistory {
				ex.LoadOutputs = func(_ context.Context, sched, since int64) (map[int]json.RawMessage, error) {
					loads++
					return outputsFrom(rec, sched, since), nil
				}
			}
			m := e.Start(f, ex)
			stepUntilWaiting(t, m)
			ps := m.Pending()
			if len(ps) != 3 {
				t.Fatalf("Pending() = %+v, want 3", ps)
			}
			for i, p := range ps {
				cp, err := m.Checkpoint()
				if err != nil {
					t.Fatal(err)
				}
				if got := len(cp.Fan.Outputs) > 0; got == inHistory && i > 0 {
					t.Errorf("checkpoint holds outputs = %v, want %v", got, !inHistory)
				}
				if m, err = e.Resume(f, ex, roundTrip(t, cp)); err != nil {
					t.Fatalf("Resume: %v", err)
				}
				if _, err := m.Complete(p.Token, map[string]any{"w": i}); err != nil {
					t.Fatal(err)
				}
				if m.Step(context.Background()) {
					break
				}
			}
			wantResult(t, runToEnd(t, m), Succeeded, `{"Items":[{"w":0,"q":1},{"w":1,"q":2},{"w":2,"q":3}]}`, "")
			if inHistory && loads == 0 {
				t.Error("LoadOutputs was never called")
			}
		})
	}
}

// outputsFrom is LoadOutputs over recorded events.
func outputsFrom(rec *memRecorder, sched, since int64) map[int]json.RawMessage {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := map[int]json.RawMessage{}
	for _, ev := range rec.evs {
		if (ev.Type != BranchExited && ev.Type != IterationExited) || ev.ScheduleID != sched || ev.ID < since {
			continue
		}
		var d struct {
			Output json.RawMessage
			Index  int
		}
		if json.Unmarshal([]byte(ev.Detail), &d) == nil {
			out[d.Index] = d.Output
		}
	}
	return out
}
