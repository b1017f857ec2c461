package timeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

// richFlow has every kind of outcome: a Wait, a Parallel whose first branch
// retries a task, a Map over three items, a task whose error a Catch takes, and a
// state never reached.
const richFlow = `Type: StateMachine
SpecVersion: v1
Name: rich
StartAt: Prep
States:
  - Name: Prep
    Type: Pass
    Next: Pause
  - Name: Pause
    Type: Wait
    Seconds: 5
    Next: Fan
  - Name: Fan
    Type: Parallel
    Branches:
      - StartAt: A1
        States:
          - Name: A1
            Type: Task
            Action: HTTP:Request
            Retry:
              - Errors: [X.Busy]
                MaxAttempts: 2
                IntervalSeconds: 3
            End: true
      - StartAt: B1
        States:
          - Name: B1
            Type: Pass
            Next: B2
          - Name: B2
            Type: Pass
            End: true
    OutputConstructor:
      items: [1, 2, 3]
    Next: Each
  - Name: Each
    Type: Map
    ItemsPath: $Input.items
    Processor:
      StartAt: Item
      States:
        - Name: Item
          Type: Pass
          End: true
    Next: Risky
  - Name: Risky
    Type: Task
    Action: HTTP:Request
    Catch:
      - Errors: [FnF.ALL]
        Next: Handle
    Next: Never
  - Name: Never
    Type: Pass
    End: true
  - Name: Handle
    Type: Pass
    End: true
`

const richMock = `States:
  A1:
    - {Error: X.Busy, Cause: busy}
    - Return: {ok: 1}
  Risky:
    Error: X.Bad
    Cause: bad thing
`

// recorder collects an engine's history events.
type recorder struct {
	mu  sync.Mutex
	evs []timeline.Event
}

func (r *recorder) Record(_ string, ev interp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, timeline.Event{ID: ev.ID, ScheduleID: ev.ScheduleID, Type: string(ev.Type), StepName: ev.StepName, Time: ev.Time, Detail: ev.Detail})
}

func parse(t *testing.T, src string) *flow.Flow {
	t.Helper()
	f, err := flow.Parse([]byte(src), flow.ParseOptions{})
	if err != nil {
		t.Fatalf("flow.Parse: %v", err)
	}
	return f
}

// run runs src on the real engine with the mock and a fake clock and
// returns the recorded history.
func run(t *testing.T, src, mock, input string) (*flow.Flow, []timeline.Event) {
	t.Helper()
	f := parse(t, src)
	m, err := action.ParseMock([]byte(mock), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := interptest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rec := &recorder{}
	eng := interp.New(interp.Options{Clock: clock, Tasks: m})
	res := eng.Run(context.Background(), f, interp.Execution{Name: "e1", Input: json.RawMessage(input), Recorder: rec})
	if res.Status != interp.Succeeded {
		t.Fatalf("run = %+v, want Succeeded", res)
	}
	return f, rec.evs
}

func TestBuild_EngineHistory(t *testing.T) {
	f, evs := run(t, richFlow, richMock, `{"n":1}`)
	tl := timeline.Build(f, evs)

	want := map[string]timeline.Outcome{
		"Prep":                timeline.Succeeded,
		"Pause":               timeline.Succeeded,
		"Fan":                 timeline.Succeeded,
		"Fan/Branches[0]/A1":  timeline.Retried,
		"Fan/Branches[1]/B1":  timeline.Succeeded,
		"Fan/Branches[1]/B2":  timeline.Succeeded,
		"Each":                timeline.Succeeded,
		"Each/Processor/Item": timeline.Succeeded,
		"Risky":               timeline.Caught,
		"Never":               timeline.NotReached,
		"Handle":              timeline.Succeeded,
	}
	if len(tl.Outcomes) != len(want) {
		t.Errorf("Outcomes has %d states %v, want %d", len(tl.Outcomes), tl.Outcomes, len(want))
	}
	for path, o := range want {
		if tl.Outcomes[path] != o {
			t.Errorf("Outcomes[%s] = %q, want %q", path, tl.Outcomes[path], o)
		}
	}
	if tl.Status != "Succeeded" || tl.Input != `{"n":1}` || tl.End.IsZero() {
		t.Errorf("execution = %q in %s end %v, want Succeeded with input {\"n\":1} and an end", tl.Status, tl.Input, tl.End)
	}

	names := func(steps []*timeline.Step) string {
		var s []string
		for _, st := range steps {
			s = append(s, st.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(tl.Top.Steps); got != "Prep,Pause,Fan,Each,Risky,Handle" {
		t.Errorf("top lane = %s, want Prep,Fan,Each,Risky,Handle", got)
	}
	fan := tl.Top.Steps[2]
	if len(fan.Lanes) != 2 {
		t.Fatalf("Fan has %d lanes, want 2 branches", len(fan.Lanes))
	}
	for _, l := range fan.Lanes {
		want := map[int]string{0: "A1", 1: "B1,B2"}[l.Index]
		if l.Kind != timeline.Branch || names(l.Steps) != want || l.End.IsZero() {
			t.Errorf("Fan branch %d = %s %s (end %v), want a closed branch with %s", l.Index, l.Kind, names(l.Steps), l.End, want)
		}
	}
	a1 := fan.Lanes[0].Steps[0]
	if fan.Lanes[0].Index != 0 {
		a1 = fan.Lanes[1].Steps[0]
	}
	if len(a1.Attempts) != 2 || !a1.Attempts[0].Failed || a1.Attempts[0].Error != "X.Busy" || a1.Attempts[1].Failed {
		t.Errorf("A1 attempts = %+v, want a failed X.Busy attempt then a good one", a1.Attempts)
	}
	if gap := a1.Attempts[1].Start.Sub(a1.Attempts[0].End); gap != 3*time.Second {
		t.Errorf("A1 retry wait = %v, want the 3s IntervalSeconds", gap)
	}
	if a1.Attempts[1].Task == nil || a1.Attempts[1].Task.Output != `{"ok":1}` || a1.Attempts[1].Task.Result != "TaskSucceeded" {
		t.Errorf("A1 second task = %+v, want TaskSucceeded with {\"ok\":1}", a1.Attempts[1].Task)
	}
	each := tl.Top.Steps[3]
	if len(each.Lanes) != 3 {
		t.Fatalf("Each has %d lanes, want 3 iterations", len(each.Lanes))
	}
	for i, l := range each.Lanes {
		if l.Kind != timeline.Iteration || names(l.Steps) != "Item" {
			t.Errorf("Each lane %d = %s %s, want an iteration running Item", i, l.Kind, names(l.Steps))
		}
	}
	risky := tl.Top.Steps[4]
	if risky.Outcome != timeline.Caught || risky.Error != "X.Bad" || risky.Cause != "bad thing" {
		t.Errorf("Risky = %s %s/%s, want caught X.Bad/bad thing", risky.Outcome, risky.Error, risky.Cause)
	}
	if p := stepNamed(tl.Top, "Pause"); p == nil || p.End.Sub(p.Start) != 5*time.Second {
		t.Errorf("Pause = %+v, want a 5s wait", p)
	}
}

// stepNamed finds a step by name anywhere under l.
func stepNamed(l *timeline.Lane, name string) *timeline.Step {
	for _, s := range l.Steps {
		if s.Name == name {
			return s
		}
		for _, sub := range s.Lanes {
			if found := stepNamed(sub, name); found != nil {
				return found
			}
		}
	}
	return nil
}

const callbackFlow = `Type: StateMachine
SpecVersion: v1
Name: cb
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Next: Done
  - Name: Done
    Type: Pass
    End: true
`

// ev builds a hand-written history; times are seconds after t0.
func ev(id, sid int64, typ, step string, sec int, detail string) timeline.Event {
	return timeline.Event{ID: id, ScheduleID: sid, Type: typ, StepName: step, Time: t0.Add(time.Duration(sec) * time.Second), Detail: detail}
}

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func TestBuild_HandWritten(t *testing.T) {
	waiting := []timeline.Event{
		ev(1, 0, "ExecutionStarted", "", 0, `{"Input":{"a":1}}`),
		ev(2, 0, "StepEntered", "Approve", 0, `{"Input":{"a":1}}`),
		ev(3, 2, "StepStarted", "Approve", 0, `{"Input":{"a":1}}`),
		ev(4, 2, "TaskScheduled", "Approve", 1, `{"Parameters":{}}`),
		ev(5, 4, "TaskStarted", "Approve", 1, `{}`),
		ev(6, 4, "TaskSubmitted", "Approve", 1, `{}`),
	}
	stopped := append(append([]timeline.Event{}, waiting...), ev(7, 0, "ExecutionStopped", "", 9, `{"Error":"Ops.Stop","Cause":"by hand"}`))
	propagated := []timeline.Event{
		ev(1, 0, "ExecutionStarted", "", 0, `{}`),
		ev(2, 0, "StepEntered", "Approve", 0, `{}`),
		ev(3, 2, "StepStarted", "Approve", 0, `{}`),
		ev(4, 2, "StepFailed", "Approve", 2, `{"Error":"X.No","Cause":"no"}`),
	}
	tests := []struct {
		name    string
		events  []timeline.Event
		approve timeline.Outcome
		done    timeline.Outcome
		status  string
		waiting bool
	}{
		{"waiting for a callback", waiting, timeline.Running, timeline.NotReached, "", true},
		{"stopped while waiting", stopped, timeline.Failed, timeline.NotReached, "Stopped", false},
		{"error left the state, execution not yet closed", propagated, timeline.Failed, timeline.NotReached, "", false},
		{"no events", nil, timeline.NotReached, timeline.NotReached, "", false},
	}
	f := parse(t, callbackFlow)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := timeline.Build(f, tc.events)
			if got := tl.Outcomes["Approve"]; got != tc.approve {
				t.Errorf("Approve = %q, want %q", got, tc.approve)
			}
			if got := tl.Outcomes["Done"]; got != tc.done {
				t.Errorf("Done = %q, want %q", got, tc.done)
			}
			if tl.Status != tc.status {
				t.Errorf("Status = %q, want %q", tl.Status, tc.status)
			}
			gotWaiting := len(tl.Top.Steps) > 0 && tl.Top.Steps[0].Attempts[0].Task.Waiting()
			if gotWaiting != tc.waiting {
				t.Errorf("waiting = %v, want %v", gotWaiting, tc.waiting)
			}
		})
	}
	tl := timeline.Build(f, stopped)
	if tl.Error != "Ops.Stop" || tl.Cause != "by hand" || tl.Top.Steps[0].Attempts[0].Task.ScheduledID != 4 {
		t.Errorf("stopped timeline = %+v, want Ops.Stop/by hand and the task scheduled at event 4", tl)
	}
}

const mapFlow = `Type: StateMachine
SpecVersion: v1
Name: m
StartAt: Each
States:
  - Name: Each
    Type: Map
    ItemsPath: $Input.items
    Processor:
      StartAt: One
      States:
        - Name: One
          Type: Pass
          Next: Two
        - Name: Two
          Type: Pass
          End: true
    End: true
`

// Interleaved iterations: each StepEntered goes to an idle lane whose scope
// has the state, the earliest opened first.
func TestBuild_InterleavedIterations(t *testing.T) {
	evs := []timeline.Event{
		ev(1, 0, "ExecutionStarted", "", 0, `{"Input":{"items":[1,2]}}`),
		ev(2, 0, "StepEntered", "Each", 0, `{}`),
		ev(3, 2, "StepStarted", "Each", 0, `{}`),
		ev(4, 2, "IterationEntered", "Each", 0, `{"Index":0,"Input":1}`),
		ev(5, 2, "IterationEntered", "Each", 0, `{"Index":1,"Input":2}`),
		ev(6, 0, "StepEntered", "One", 1, `{"Input":1}`),
		ev(7, 0, "StepEntered", "One", 1, `{"Input":2}`),
		ev(8, 6, "StepStarted", "One", 1, `{}`),
		ev(9, 7, "StepStarted", "One", 1, `{}`),
		ev(10, 7, "StepSucceeded", "One", 2, `{"Output":2}`),
		ev(11, 7, "StepExited", "One", 2, `{}`),
		ev(12, 0, "StepEntered", "Two", 3, `{"Input":2}`),
	}
	tl := timeline.Build(parse(t, mapFlow), evs)
	each := tl.Top.Steps[0]
	if len(each.Lanes) != 2 {
		t.Fatalf("Each has %d lanes, want 2", len(each.Lanes))
	}
	var got []string
	for _, l := range each.Lanes {
		var s []string
		for _, st := range l.Steps {
			s = append(s, fmt.Sprintf("%s(%s,%s)", st.Name, st.Input, st.Outcome))
		}
		got = append(got, fmt.Sprintf("%d:%s", l.Index, strings.Join(s, " ")))
	}
	want := []string{"0:One(1,running)", "1:One(2,succeeded) Two(2,running)"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("lanes = %q, want %q", got, want)
	}
	if o := tl.Outcomes["Each/Processor/Two"]; o != timeline.Running {
		t.Errorf("Two = %q, want running", o)
	}
}

// Without a definition steps still land in lanes by order, without paths.
func TestBuild_NilFlow(t *testing.T) {
	evs := []timeline.Event{
		ev(1, 0, "ExecutionStarted", "", 0, `{}`),
		ev(2, 0, "StepEntered", "P", 0, `{}`),
		ev(3, 2, "StepStarted", "P", 0, `{}`),
		ev(4, 2, "StepSucceeded", "P", 1, `{"Output":{"x":1}}`),
		ev(5, 2, "StepExited", "P", 1, `{}`),
		ev(6, 0, "ExecutionSucceeded", "", 1, `{"Output":{"x":1}}`),
	}
	tl := timeline.Build(nil, evs)
	if len(tl.Outcomes) != 0 || len(tl.Top.Steps) != 1 || tl.Top.Steps[0].Outcome != timeline.Succeeded || tl.Output != `{"x":1}` {
		t.Errorf("Build(nil) = %+v, want one succeeded step, no outcomes by path, output {\"x\":1}", tl)
	}
}
