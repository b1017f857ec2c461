package graph

import (
	"reflect"
	"testing"
	"time"
)

func TestGraph_Overlay(t *testing.T) {
	g := New(parseFile(t, "testdata/order/flow.yaml"))
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	events := []Event{
		{Type: "ExecutionStarted", Time: at(0)},
		{Type: "StepEntered", StepName: "Check", Time: at(0)},
		{Type: "StepExited", StepName: "Check", Time: at(5)},
		{Type: "StepEntered", StepName: "Charge", Time: at(5)},
		{Type: "TaskScheduled", StepName: "Charge", Time: at(5)},
		{Type: "TaskFailed", StepName: "Charge", Time: at(500), Error: "FC.ResourceThrottled"},
		{Type: "TaskScheduled", StepName: "Charge", Time: at(1500)},
		{Type: "TaskFailed", StepName: "Charge", Time: at(2000), Error: "Payment.Declined"},
		{Type: "StepFailed", StepName: "Charge", Time: at(2005), Error: "Payment.Declined"},
		{Type: "StepEntered", StepName: "Refused", Time: at(2005)},
		{Type: "StepFailed", StepName: "Refused", Time: at(2006), Error: "Refused"},
		{Type: "ExecutionFailed", Time: at(2006), Error: "Refused"},
	}
	o := g.Overlay(events)
	wantStatus := map[string]Status{"Check": Succeeded, "Review": NotReached, "Charge": Caught, "Done": NotReached, "Refused": Failed}
	if !reflect.DeepEqual(o.Status, wantStatus) {
		t.Errorf("Overlay().Status = %v, want %v", o.Status, wantStatus)
	}
	wantNotes := map[string]string{"Check": "5ms", "Charge": "1 retry, 2.0s, Payment.Declined", "Refused": "1ms, Refused"}
	if !reflect.DeepEqual(o.Notes, wantNotes) {
		t.Errorf("Overlay().Notes = %q, want %q", o.Notes, wantNotes)
	}
}

func TestGraph_Overlay_RetriedAndRunning(t *testing.T) {
	g := New(parseFile(t, "testdata/order/flow.yaml"))
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := g.Overlay([]Event{
		{Type: "StepEntered", StepName: "Charge", Time: t0},
		{Type: "TaskScheduled", StepName: "Charge", Time: t0},
		{Type: "TaskFailed", StepName: "Charge", Time: t0, Error: "FC.ResourceThrottled"},
		{Type: "TaskScheduled", StepName: "Charge", Time: t0},
		{Type: "TaskSucceeded", StepName: "Charge", Time: t0},
		{Type: "StepExited", StepName: "Charge", Time: t0.Add(90 * time.Second)},
		{Type: "StepEntered", StepName: "Done", Time: t0.Add(90 * time.Second)},
	})
	if o.Status["Charge"] != Retried || o.Status["Done"] != Running {
		t.Errorf("Charge, Done = %s, %s, want retried, running", o.Status["Charge"], o.Status["Done"])
	}
	if o.Notes["Charge"] != "1 retry, 1m30s" {
		t.Errorf("Charge note = %q, want %q", o.Notes["Charge"], "1 retry, 1m30s")
	}
}

func TestGraph_Overlay_ParallelNames(t *testing.T) {
	g := New(parseFile(t, "testdata/parallel_map/flow.yaml"))
	o := g.Overlay([]Event{{Type: "StepEntered", StepName: "Resize"}, {Type: "StepExited", StepName: "Resize"}})
	if got := o.Status["Fork/Branches[1]/Each/Processor/Resize"]; got != Succeeded {
		t.Errorf("nested Resize = %s, want succeeded", got)
	}
}
