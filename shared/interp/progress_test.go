package interp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// gateTasks counts calls per item and blocks the items at or above block
// until their context ends.
type gateTasks struct {
	mu    sync.Mutex
	calls map[int64]int
	block int64
}

func (g *gateTasks) Invoke(ctx context.Context, call TaskCall) (any, error) {
	n, _ := call.Input.(int64)
	g.mu.Lock()
	g.calls[n]++
	g.mu.Unlock()
	if n >= g.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return map[string]any{"n": n}, nil
}

const progressFlow = header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: 4
    Processor:
      StartAt: T
      States:
        - {Name: T, Type: Task, Action: "Test:Gate", Next: P}
        - {Name: P, Type: Pass, End: true}
    End: true
`

// A checkpoint taken by Progress while the Map runs counts the finished
// iterations: resumed from it (as after a crash, with the history cut at its
// NextEventID), the execution runs only the unfinished iterations again
// and builds the same output, reading the finished outputs back from the
// history.
func TestMachine_Progress_ResumesOnlyUnfinished(t *testing.T) {
	xs := make([]any, 20)
	for i := range xs {
		xs[i] = int64(i)
	}
	in, _ := value.Encode(map[string]any{"xs": xs})
	f := mustParse(t, flow.Standard, progressFlow)
	tasks := &gateTasks{calls: map[int64]int{}, block: 10}
	e := New(Options{Clock: newFakeClock(), Tasks: tasks})
	rec := &memRecorder{}
	progressed := make(chan struct{}, 1)
	ex := Execution{Name: "p", Input: in, Recorder: rec,
		OnProgress: func() {
			select {
			case progressed <- struct{}{}:
			default:
			}
		},
		LoadOutputs: func(_ context.Context, sched, since int64) (map[int]json.RawMessage, error) {
			return outputsFrom(rec, sched, since), nil
		},
	}
	m := e.Start(f, ex)
	ctx, crash := context.WithCancel(context.Background())
	stepped := make(chan bool)
	go func() { stepped <- m.Step(ctx) }()
	// Once the four items at and above 10 block, ten have finished.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		tasks.mu.Lock()
		blocked := tasks.calls[10] + tasks.calls[11] + tasks.calls[12] + tasks.calls[13]
		tasks.mu.Unlock()
		if blocked == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Map never reached its four blocking items")
		}
	}
	<-progressed
	cp, ok, err := m.Progress()
	if err != nil || !ok {
		t.Fatalf("Progress() = %v, %v", ok, err)
	}
	if got := cp.Fan.Started - len(cp.Fan.Children); got != 10 || len(cp.Fan.Children) != 4 {
		t.Fatalf("progress checkpoint: %d finished, %d running; want 10 and 4", got, len(cp.Fan.Children))
	}
	if _, ok, _ := m.Progress(); ok {
		t.Error("a second Progress without news returned a checkpoint")
	}
	crash()
	<-stepped
	if !cp.Running || len(cp.Fan.Outputs) != 0 {
		t.Fatalf("progress checkpoint Running %v with %d outputs; want Running, outputs left to the history", cp.Running, len(cp.Fan.Outputs))
	}
	if _, waiting := cp.Waiting(); waiting {
		t.Error("a Running checkpoint reads as waiting")
	}
	// The crash loses every event the checkpoint does not cover.
	rec.mu.Lock()
	kept := rec.evs[:0]
	for _, ev := range rec.evs {
		if ev.ID < cp.NextEventID {
			kept = append(kept, ev)
		}
	}
	rec.evs = kept
	rec.mu.Unlock()
	tasks.block = 1 << 30
	ex.OnProgress = nil
	m2, err := e.Resume(f, ex, roundTrip(t, cp))
	if err != nil {
		t.Fatal(err)
	}
	for !m2.Step(context.Background()) {
	}
	res := m2.Result()
	want := `{"Items":[`
	for i := range 20 {
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf(`{"n":%d}`, i)
	}
	wantResult(t, res, Succeeded, want+"]}", "")
	for i := range int64(20) {
		wantCalls := 1
		if i >= 10 && i < 14 {
			wantCalls = 2 // running at the crash: run again
		}
		if got := tasks.calls[i]; got != wantCalls {
			t.Errorf("item %d ran %d times, want %d", i, got, wantCalls)
		}
	}
}
