package interp

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// parkFlow waits 5 s between two Pass states; the Wait's constructors show
// that its input and output survive a park.
const parkFlow = header + `StartAt: A
States:
  - {Name: A, Type: Pass, OutputConstructor: {n.$: $Input.n, a: true}, Next: W}
  - Name: W
    Type: Wait
    Seconds: 5
    InputConstructor: {n.$: $Input.n}
    OutputConstructor: {n.$: $Input.n, waited: true}
    Next: B
  - {Name: B, Type: Pass, End: true}
`

// stepUntilParked steps m until Parked reports ok and returns what it says.
func stepUntilParked(t *testing.T, m *Machine) (time.Time, bool) {
	t.Helper()
	for range 20 {
		if wake, callback, ok := m.Parked(); ok {
			return wake, callback
		}
		if m.Step(context.Background()) {
			t.Fatalf("execution finished (%+v) before parking", m.Result())
		}
	}
	t.Fatal("Machine never parked")
	return time.Time{}, false
}

// A top-level Wait suspends the Machine with its due time; a Machine resumed
// from the checkpoint 3 s later sleeps the 2 s left, and the history is the
// one of a run that slept in one Step (same events, EventIds and times).
func TestMachine_Parked_WaitResumesRemainingTime(t *testing.T) {
	f := mustParse(t, flow.Standard, parkFlow)
	in := Execution{Name: "exec-1", Input: []byte(`{"n":7}`)}

	refClock, refRec := newFakeClock(), &memRecorder{}
	in.Recorder = refRec
	ref := New(Options{Clock: refClock}).Run(context.Background(), f, in)
	wantResult(t, ref, Succeeded, `{"n":7,"waited":true}`, "")

	clock, rec := newFakeClock(), &memRecorder{}
	e := New(Options{Clock: clock})
	in.Recorder = rec
	m := e.Start(f, in)
	start := clock.Now()
	wake, callback := stepUntilParked(t, m)
	if want := start.Add(5 * time.Second); !wake.Equal(want) || callback {
		t.Fatalf("Parked() = %v, callback %v; want %v, false", wake, callback, want)
	}
	if _, _, ok := m.Waiting(); ok {
		t.Error("Waiting() reports a callback task for a Wait state")
	}
	if _, err := m.Complete("", nil); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("Complete on a Wait = %v, want ErrNotWaiting", err)
	}
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var back Checkpoint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Wait == nil || back.Wait.Token != "" || !back.Wait.Deadline.Equal(wake) {
		t.Fatalf("Checkpoint.Wait = %+v, want no token and deadline %v", back.Wait, wake)
	}

	if err := clock.Sleep(context.Background(), 3*time.Second); err != nil { // parked for 3 s
		t.Fatal(err)
	}
	m2, err := e.Resume(f, in, back)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if w2, _, ok := m2.Parked(); !ok || !w2.Equal(wake) {
		t.Fatalf("resumed Parked() = %v, %v; want %v, true", w2, ok, wake)
	}
	wantResult(t, runToEnd(t, m2), Succeeded, `{"n":7,"waited":true}`, "")
	if got, want := clock.Sleeps(), []time.Duration{3 * time.Second, 2 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps = %v, want %v (only the time left after the park)", got, want)
	}
	if !reflect.DeepEqual(rec.evs, refRec.evs) {
		t.Errorf("history after a park =\n%v\nwant (slept in one run)\n%v", rec.evs, refRec.evs)
	}
}

// Parked reports a Retry interval, a callback task's Timeout, and caps both
// at the flow's Timeout (nested Waits and retries: timer_test.go).
func TestMachine_Parked_Cases(t *testing.T) {
	tests := []struct {
		name, src    string
		wantAfter    time.Duration // wake - start
		wantCallback bool
	}{
		{
			name: "retry interval",
			src: header + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: "Test:Flaky"
    Parameters: {failures: 1, error: E}
    Retry: [{Errors: [E], IntervalSeconds: 2, MaxAttempts: 1}]
    End: true
`,
			wantAfter: 2 * time.Second,
		},
		{
			name: "flow timeout before the wait ends",
			src: header + `Timeout: 10
StartAt: W
States:
  - {Name: W, Type: Wait, Seconds: 300, End: true}
`,
			wantAfter: 10 * time.Second,
		},
		{name: "callback task timeout", src: callbackFlow, wantAfter: 60 * time.Second, wantCallback: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			e := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}})
			m := e.Start(mustParse(t, flow.Standard, tc.src), execWithTokens("exec-1", nil))
			start := clock.Now()
			wake, callback := stepUntilParked(t, m)
			if got := wake.Sub(start); got != tc.wantAfter || callback != tc.wantCallback {
				t.Errorf("Parked() = start+%v, callback %v; want start+%v, %v", got, callback, tc.wantAfter, tc.wantCallback)
			}
		})
	}
}
