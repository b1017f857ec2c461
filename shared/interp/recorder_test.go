package interp

import (
	"context"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

func TestEngine_Start_ExecutionRecorder(t *testing.T) {
	src := header + `StartAt: A
States:
  - {Name: A, Type: Pass, End: true}
`
	f := mustParse(t, flow.Standard, src)
	engineRec, runRec := &memRecorder{}, &memRecorder{}
	e := New(Options{Clock: newFakeClock(), Recorder: engineRec})
	// Same execution name, one run with its own recorder: its events must not
	// reach the engine's recorder, and the other run's events must.
	m := e.Start(f, Execution{Name: "same", Recorder: runRec})
	for !m.Step(context.Background()) {
	}
	if res := e.Run(context.Background(), f, Execution{Name: "same"}); res.Status != Succeeded {
		t.Fatalf("Run status = %s, want Succeeded", res.Status)
	}
	// ExecutionStarted, 4 step events, ExecutionSucceeded.
	if len(runRec.evs) != 6 || runRec.evs[5].Type != ExecutionSucceeded {
		t.Errorf("run recorder got %d events (%v), want 6 ending ExecutionSucceeded", len(runRec.evs), runRec.evs)
	}
	if len(engineRec.evs) != 6 {
		t.Errorf("engine recorder got %d events, want 6 (only the run without its own recorder)", len(engineRec.evs))
	}
}
