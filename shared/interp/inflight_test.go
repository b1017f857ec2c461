package interp

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// peakTasks counts the Task invocations in flight at once.
type peakTasks struct{ cur, peak atomic.Int64 }

func (p *peakTasks) Invoke(ctx context.Context, call TaskCall) (any, error) {
	n := p.cur.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	time.Sleep(200 * time.Microsecond)
	p.cur.Add(-1)
	return map[string]any{}, nil
}

// TestFanOut_NestedMaps_BoundedInFlight: nested Maps multiply their
// concurrency (10 x 10 x 10 leaves here); Options.MaxInFlight bounds the
// goroutines running branches and iterations across all nesting levels (one
// more runs the execution itself), and nested fan-outs never deadlock when
// no slot is free.
func TestFanOut_NestedMaps_BoundedInFlight(t *testing.T) {
	src := header + `StartAt: M1
States:
  - Name: M1
    Type: Map
    ItemsPath: $Input.xs
    Processor:
      StartAt: M2
      States:
        - Name: M2
          Type: Map
          ItemsPath: $Input
          Processor:
            StartAt: M3
            States:
              - Name: M3
                Type: Map
                ItemsPath: $Input
                Processor:
                  StartAt: T
                  States:
                    - {Name: T, Type: Task, Action: "Test:Count", End: true}
                End: true
          End: true
    OutputConstructor: {n.$: length($Output.Items)}
    End: true
`
	leaf := make([]int, 10)
	mid := make([][]int, 10)
	for i := range mid {
		mid[i] = leaf
	}
	top := make([][][]int, 10)
	for i := range top {
		top[i] = mid
	}
	in, _ := json.Marshal(map[string]any{"xs": top})
	const limit = 8
	tasks := &peakTasks{}
	e := New(Options{Tasks: tasks, MaxInFlight: limit})
	res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{Name: "exec-1", Input: in})
	wantResult(t, res, Succeeded, `{"n":10}`, "")
	if p := tasks.peak.Load(); p > limit+1 {
		t.Errorf("peak Tasks in flight = %d, want at most %d", p, limit+1)
	}
	if got := New(Options{}).opts.MaxInFlight; got != DefaultMaxInFlight {
		t.Errorf("default MaxInFlight = %d, want %d", got, DefaultMaxInFlight)
	}
}
