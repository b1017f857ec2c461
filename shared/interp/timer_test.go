package interp

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// nestedTimerCases are flows whose Waits and Retry intervals sit inside
// Parallel branches, Map iterations and legacy scopes. wakes lists, after
// the start, each time the Machine parks (Parked, no callback); waits
// names each Wait (or retried step) and the pause between its StepStarted
// and its StepSucceeded (the retry: between its two StepStarted events).
var nestedTimerCases = []struct {
	name, mode, src, input, output string
	wakes                          []time.Duration
	waits                          map[string]time.Duration
	maxOpen                        int // Map MaxConcurrency: at most this many unfinished iterations per park
}{
	{
		name: "parallel, a Wait in each branch",
		src: header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W1
        States:
          - {Name: W1, Type: Wait, Seconds: 4, Next: A}
          - {Name: A, Type: Pass, OutputConstructor: {a: 1}, End: true}
      - StartAt: W2
        States:
          - {Name: W2, Type: Wait, Seconds: 6, End: true}
    End: true
`,
		input: `{"x":1}`, output: `{"Branch0":{"a":1},"Branch1":{"x":1}}`,
		wakes: []time.Duration{4 * time.Second, 6 * time.Second},
		waits: map[string]time.Duration{"W1": 4 * time.Second, "W2": 6 * time.Second},
	},
	{
		name: "map, MaxConcurrency 2, a Wait per iteration: a waiting iteration keeps its slot",
		src: header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: 2
    Processor:
      StartAt: W
      States:
        - {Name: W, Type: Wait, Seconds.$: $Input.s, OutputConstructor: {s.$: $Input.s}, End: true}
    End: true
`,
		input: `{"xs":[{"s":3},{"s":1},{"s":2}]}`, output: `{"Items":[{"s":3},{"s":1},{"s":2}]}`,
		// Items 0 and 1 start; item 1 is due at 1 s, then item 2 starts
		// (due at 3 s, with item 0).
		wakes:   []time.Duration{1 * time.Second, 3 * time.Second},
		maxOpen: 2,
	},
	{
		name: "retry interval inside a branch",
		src: header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: T
        States:
          - Name: T
            Type: Task
            Action: "Test:Flaky"
            Parameters: {failures: 1, error: E}
            Retry: [{Errors: [E], IntervalSeconds: 7, MaxAttempts: 1}]
            End: true
    End: true
`,
		output: `{"Branch0":{"attempt":1}}`,
		wakes:  []time.Duration{7 * time.Second},
		waits:  map[string]time.Duration{"T": 7 * time.Second},
	},
	{
		name: "a Wait in a Map in a Parallel branch",
		src: header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: M
        States:
          - Name: M
            Type: Map
            ItemsPath: $Input.xs
            Processor:
              StartAt: W
              States:
                - {Name: W, Type: Wait, Seconds: 5, End: true}
            End: true
      - StartAt: B
        States:
          - {Name: B, Type: Pass, End: true}
    OutputConstructor:
      m.$: $Output.Branch0.Items
      b.$: $Output.Branch1.xs
    End: true
`,
		input: `{"xs":[{"a":1},{"a":2}]}`, output: `{"m":[{"a":1},{"a":2}],"b":[{"a":1},{"a":2}]}`,
		wakes: []time.Duration{5 * time.Second},
		waits: map[string]time.Duration{"W": 5 * time.Second},
	},
	{
		name: "legacy wait steps at top level and in a parallel, legacy retry",
		src: lhdr + `steps:
  - {type: wait, name: top, duration: 2}
  - type: parallel
    name: fan
    branches:
      - steps:
          - {type: wait, name: w1, duration: 3}
          - type: pass
            name: p1
            outputMappings: [{target: one, source: 1}]
      - steps:
          - type: task
            name: t
            resourceArn: ` + lfc + `flaky
            inputMappings: [{target: failures, source: 1}, {target: error, source: E}]
            retry: [{errors: [E], maxAttempts: 1, intervalSeconds: 5}]
    outputMappings: [{target: r, source: $local}]
`,
		input: `{}`, output: `{"r":[{"one":1},{"attempt":1}]}`,
		wakes: []time.Duration{2 * time.Second, 5 * time.Second, 7 * time.Second},
		waits: map[string]time.Duration{"top": 2 * time.Second, "w1": 3 * time.Second, "t": 5 * time.Second},
	},
	{
		name: "legacy wait step in a choice's inline steps",
		src: lhdr + `steps:
  - type: choice
    name: route
    choices:
      - condition: $.go == true
        steps:
          - {type: wait, name: nap, duration: 9}
          - type: pass
            name: ready
            outputMappings: [{target: branch, source: ready}]
    default:
      steps:
        - {type: pass, name: other}
`,
		input: `{"go":true}`, output: `{"branch":"ready"}`,
		wakes: []time.Duration{9 * time.Second},
		waits: map[string]time.Duration{"nap": 9 * time.Second},
	},
}

// A Machine parked at each of its Waits and Retry intervals, its checkpoint
// round-tripped through JSON and resumed on a new engine after the pause,
// ends as an uninterrupted run does: same output, same history (every
// event once, EventIds gapless, each Wait lasting its time), and it parks
// only at the expected due times.
func TestMachine_NestedTimers_ParkAndResume(t *testing.T) {
	for _, tc := range nestedTimerCases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, flow.Mode(tc.mode), tc.src)
			in := tc.input
			if in == "" {
				in = `{}`
			}
			refClock, refRec := newFakeClock(), &memRecorder{}
			ref := New(Options{Clock: refClock, Tasks: &testTasks{clock: refClock}}).Run(context.Background(), f, Execution{Name: "x", Input: []byte(in), Recorder: refRec})
			wantResult(t, ref, Succeeded, tc.output, "")

			clock, rec := newFakeClock(), &memRecorder{}
			ex := Execution{Name: "x", Input: []byte(in), Recorder: rec}
			start := clock.Now()
			m := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Start(f, ex)
			var wakes []time.Duration
			for steps := 0; !m.Done(); steps++ {
				if steps > 100 {
					t.Fatal("the execution never ended")
				}
				wake, callback, ok := m.Parked()
				if !ok {
					m.Step(context.Background())
					continue
				}
				if callback || wake.IsZero() {
					t.Fatalf("Parked() = %v, callback %v; want a due time and no callback", wake, callback)
				}
				wakes = append(wakes, wake.Sub(start))
				cp, err := m.Checkpoint()
				if err != nil {
					t.Fatal(err)
				}
				back := roundTrip(t, cp)
				if dl, ok := back.Waiting(); !ok || !dl.Equal(wake) {
					t.Errorf("Checkpoint.Waiting() = %v, %v; want %v, true (what Recover reads)", dl, ok, wake)
				}
				if tc.maxOpen > 0 && back.Fan != nil && len(back.Fan.Children) > tc.maxOpen {
					t.Errorf("%d unfinished iterations at a park, want at most %d", len(back.Fan.Children), tc.maxOpen)
				}
				if err := clock.Sleep(context.Background(), wake.Sub(clock.Now())); err != nil { // parked
					t.Fatal(err)
				}
				// Another engine (another process) resumes it.
				if m, err = New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Resume(f, ex, back); err != nil {
					t.Fatalf("Resume: %v", err)
				}
			}
			wantResult(t, m.Result(), Succeeded, tc.output, "")
			if !slices.Equal(wakes, tc.wakes) {
				t.Errorf("parked until %v, want %v", wakes, tc.wakes)
			}
			for i, ev := range rec.evs {
				if ev.ID != int64(i+1) {
					t.Fatalf("event %d has EventId %d: the history has a gap or a repeat", i, ev.ID)
				}
			}
			if got, want := canonicalHistory(rec.evs), canonicalHistory(refRec.evs); !slices.Equal(got, want) {
				t.Errorf("history after parks =\n%s\nwant (an uninterrupted run)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for name, d := range tc.waits {
				if got := pauseOf(rec.evs, name); got != d {
					t.Errorf("step %s paused %v, want %v", name, got, d)
				}
			}
		})
	}
}

// Engine.Run (an in-process run: Express, StartSyncExecution) sleeps only
// until each due time: concurrent Waits overlap instead of adding up.
func TestEngine_Run_NestedTimersSleepUntilDue(t *testing.T) {
	for _, tc := range nestedTimerCases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			in := tc.input
			if in == "" {
				in = `{}`
			}
			res := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Run(context.Background(), mustParse(t, flow.Mode(tc.mode), tc.src), Execution{Name: "x", Input: []byte(in)})
			wantResult(t, res, Succeeded, tc.output, "")
			var want []time.Duration
			var last time.Duration
			for _, w := range tc.wakes {
				want = append(want, w-last)
				last = w
			}
			if got := clock.Sleeps(); !slices.Equal(got, want) {
				t.Errorf("sleeps = %v, want %v", got, want)
			}
		})
	}
}

// canonicalHistory lists the events without EventIds, sorted: concurrent
// branches interleave in any order.
func canonicalHistory(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%s %s %s %s", ev.Time.Format(time.RFC3339), ev.Type, ev.StepName, ev.Detail))
	}
	slices.Sort(out)
	return out
}

// pauseOf is the time from step's first StepStarted to its last
// StepSucceeded minus nothing: for a Wait its wait, for a retried step its
// Retry interval (the attempts take no time on the fake clock).
func pauseOf(evs []Event, step string) time.Duration {
	var first, last time.Time
	for _, ev := range evs {
		switch {
		case ev.StepName != step:
		case ev.Type == StepStarted && first.IsZero():
			first = ev.Time
		case ev.Type == StepSucceeded:
			last = ev.Time
		}
	}
	return last.Sub(first)
}

// A Wait in one branch goes on within the Step while a sibling still works:
// it does not wait for the sibling to end.
func TestMachine_NestedWait_ResumesWhileSiblingRuns(t *testing.T) {
	src := header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W
        States:
          - {Name: W, Type: Wait, Seconds: 1, Next: T}
          - {Name: T, Type: Task, Action: "Test:Sleep", Parameters: {seconds: 2}, End: true}
      - StartAt: S
        States:
          - {Name: S, Type: Task, Action: "Test:Sleep", Parameters: {seconds: 10}, End: true}
    End: true
`
	clock := newFakeClock()
	m := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Start(mustParse(t, flow.Standard, src), Execution{Name: "x"})
	if !m.Step(context.Background()) {
		t.Fatalf("the Parallel did not end in one Step: the waiting branch did not resume while its sibling ran")
	}
	wantResult(t, m.Result(), Succeeded, `{"Branch0":{"slept":true},"Branch1":{"slept":true}}`, "")
	// The sibling's 10 s passed the Wait's due time: the Machine itself
	// never slept.
	if got, want := clock.Sleeps(), []time.Duration{10 * time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v (the tasks' only)", got, want)
	}
}

// With a callback task in one branch and a Wait in the other, Parked
// reports the Wait's due time and the callback; Waiting reports the task.
// After the due time the Wait's branch goes on and the Machine waits for
// the report only.
func TestMachine_NestedWait_BesideCallback(t *testing.T) {
	src := header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: C
        States:
          - {Name: C, Type: Task, Action: "Test:Echo", TaskMode: WaitForCustomCallback, End: true}
      - StartAt: W
        States:
          - {Name: W, Type: Wait, Seconds: 30, End: true}
    End: true
`
	clock := newFakeClock()
	m := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}}).Start(mustParse(t, flow.Standard, src), execWithTokens("x", nil))
	start := clock.Now()
	wake, callback := stepUntilParked(t, m)
	if got := wake.Sub(start); got != 30*time.Second || !callback {
		t.Fatalf("Parked() = start+%v, callback %v; want start+30s, true", got, callback)
	}
	tok, _, ok := m.Waiting()
	if !ok || tok == "" {
		t.Fatalf("Waiting() = %q, %v; want the callback task", tok, ok)
	}
	if m.Step(context.Background()) || len(clock.Sleeps()) != 0 {
		t.Fatalf("Step slept %v with a callback task waiting; want it to return at once", clock.Sleeps())
	}
	if err := clock.Sleep(context.Background(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if m.Step(context.Background()) {
		t.Fatal("finished without the report")
	}
	if wake, callback, ok := m.Parked(); !ok || !wake.IsZero() || !callback {
		t.Fatalf("after the Wait: Parked() = %v, %v, %v; want no due time, callback", wake, callback, ok)
	}
	if _, err := m.Complete(tok, map[string]any{"c": true}); err != nil {
		t.Fatal(err)
	}
	wantResult(t, runToEnd(t, m), Succeeded, `{"Branch0":{"c":true},"Branch1":{"order":"o1","other":true}}`, "")
}

// A checkpoint of a Machine parked on nested timers records each child's
// due time; Resume keeps them, whatever the time of the resume.
func TestCheckpoint_NestedTimers_KeepDueTimes(t *testing.T) {
	tc := nestedTimerCases[0]
	clock := newFakeClock()
	e := New(Options{Clock: clock})
	f := mustParse(t, flow.Standard, tc.src)
	m := e.Start(f, Execution{Name: "x", Input: []byte(tc.input)})
	start := clock.Now()
	stepUntilParked(t, m)
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	back := roundTrip(t, cp)
	var due []time.Duration
	for _, c := range back.Fan.Children {
		if c.Wait == nil || c.Wait.Token != "" {
			t.Fatalf("child %d: wait %+v, want a Wait's timer", c.Index, c.Wait)
		}
		due = append(due, c.Wait.Deadline.Sub(start))
	}
	if want := []time.Duration{4 * time.Second, 6 * time.Second}; !reflect.DeepEqual(due, want) {
		t.Fatalf("children due at %v, want %v", due, want)
	}
	if err := clock.Sleep(context.Background(), 5*time.Second); err != nil { // a late restart
		t.Fatal(err)
	}
	m2, err := e.Resume(f, Execution{Name: "x", Input: []byte(tc.input)}, back)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Parked(); m2.Step(context.Background()) {
		t.Fatal("finished before the second Wait was due")
	}
	wake, _, ok := m2.Parked()
	if !ok || wake.Sub(start) != 6*time.Second {
		t.Fatalf("after the due branch: Parked() = start+%v, %v; want start+6s", wake.Sub(start), ok)
	}
	wantResult(t, runToEnd(t, m2), Succeeded, tc.output, "")
	if got, want := clock.Sleeps(), []time.Duration{5 * time.Second, time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps = %v, want %v (only the time left)", got, want)
	}
}

// A Wait in a branch records the events of a top-level Wait, in order:
// StepEntered and StepStarted when it starts, StepSucceeded and StepExited
// at its due time, all scheduled by its StepEntered, inside its branch's
// BranchEntered and BranchExited.
func TestMachine_NestedWait_Events(t *testing.T) {
	clock, rec := newFakeClock(), &memRecorder{}
	tc := nestedTimerCases[0]
	start := clock.Now()
	res := New(Options{Clock: clock}).Run(context.Background(), mustParse(t, flow.Standard, tc.src), Execution{Name: "x", Input: []byte(tc.input), Recorder: rec})
	wantResult(t, res, Succeeded, tc.output, "")
	var got []string
	var entered int64
	for _, ev := range rec.evs {
		switch {
		case ev.StepName == "W1":
			if ev.Type == StepEntered {
				entered = ev.ID
			} else if ev.ScheduleID != entered {
				t.Errorf("%s has ScheduleId %d, want the StepEntered's %d", ev.Type, ev.ScheduleID, entered)
			}
			got = append(got, fmt.Sprintf("%s +%v", ev.Type, ev.Time.Sub(start)))
		case ev.Type == BranchEntered || ev.Type == BranchExited:
			if strings.Contains(ev.Detail, `"index":0`) || strings.Contains(ev.Detail, `"Index":0`) {
				got = append(got, fmt.Sprintf("%s +%v", ev.Type, ev.Time.Sub(start)))
			}
		}
	}
	want := []string{"BranchEntered +0s", "StepEntered +0s", "StepStarted +0s", "StepSucceeded +4s", "StepExited +4s", "BranchExited +4s"}
	if !slices.Equal(got, want) {
		t.Errorf("branch 0's events = %q, want %q", got, want)
	}
}

// The flow's Timeout bounds a nested Wait: Parked reports the Timeout,
// and the run ends TimedOut there, not at the Wait's due time.
func TestMachine_NestedWait_FlowTimeout(t *testing.T) {
	src := header + `Timeout: 10
StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: W
        States:
          - {Name: W, Type: Wait, Seconds: 300, End: true}
    End: true
`
	clock := newFakeClock()
	m := New(Options{Clock: clock}).Start(mustParse(t, flow.Standard, src), Execution{Name: "x"})
	start := clock.Now()
	if wake, callback := stepUntilParked(t, m); wake.Sub(start) != 10*time.Second || callback {
		t.Fatalf("Parked() = start+%v, %v; want start+10s, no callback", wake.Sub(start), callback)
	}
	if !m.Step(context.Background()) {
		t.Fatal("the execution did not end at its Timeout")
	}
	wantResult(t, m.Result(), TimedOut, "", ErrorTimeout)
	if got := clock.Sleeps(); !slices.Equal(got, []time.Duration{10 * time.Second}) {
		t.Errorf("sleeps = %v, want [10s]", got)
	}
}
