package interp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// FuzzEngine_Resume feeds arbitrary checkpoints (seeded with real ones of
// suspended Parallel, Map and legacy fans) to Resume on the flows they came
// from: Resume either refuses with ErrBadCheckpoint or gives a Machine whose
// Checkpoint, Waiting, Pending and next Step do not panic.
func FuzzEngine_Resume(f *testing.F) {
	flows := []string{nestedFlow, mapCallbackFlow, parallelCallbackFlow, legacyNestedFlow}
	inputs := []string{`{"xs":[1,2,3]}`, `{"xs":["a","b","c"]}`, `{}`, `{"xs":["a","b"]}`}
	parsed := make([]*flow.Flow, len(flows))
	for i, src := range flows {
		parsed[i] = mustParse(f, flow.Standard, src)
		clock := newFakeClock()
		e := New(Options{Clock: clock, Tasks: &syncChildTasks{testTasks{clock: clock}}})
		ex := execWithTokens("exec-1", &memRecorder{})
		ex.Input = []byte(inputs[i])
		m := e.Start(parsed[i], ex)
		for range 10 {
			if _, _, ok := m.Waiting(); ok || m.Step(context.Background()) {
				break
			}
		}
		if cp, err := m.Checkpoint(); err == nil {
			b, _ := json.Marshal(cp)
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		i := int(which) % len(flows)
		var cp Checkpoint
		if json.Unmarshal(b, &cp) != nil {
			return
		}
		clock := newFakeClock()
		e := New(Options{Clock: clock, Tasks: &syncChildTasks{testTasks{clock: clock}}})
		ex := execWithTokens("exec-1", &memRecorder{})
		ex.Input = []byte(inputs[i])
		m, err := e.Resume(parsed[i], ex, cp)
		if err != nil {
			return
		}
		_, _ = m.Checkpoint()
		m.Waiting()
		m.Pending()
		cp.Waiting()
		cp.FindWait("tok-1")
		m.Step(context.Background())
	})
}
