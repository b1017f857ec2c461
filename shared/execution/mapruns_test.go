package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// fanDef is a flow whose only state is a distributed Map (reference 3.10)
// over $Input.items, two items at a time, each item one Task through the
// gate.
const fanDef = `Type: StateMachine
SpecVersion: v1
Name: fan
StartAt: Each
States:
  - Name: Each
    Type: Map
    ItemsPath: $Input.items
    MaxConcurrency: 2
    ProcessorConfig: {ExecutionMode: Express}
    Processor:
      StartAt: Work
      States:
        - Name: Work
          Type: Task
          Action: Test:Gate
          End: true
    End: true
`

// mapRunService is a service on store whose Tasks go through gate, with
// flow "fan" (fanDef) when create is set; map runs are saved every few
// milliseconds of real time.
func mapRunService(t *testing.T, store execution.Store, gate *gateTasks, create bool) *execution.Service {
	t.Helper()
	svc := execution.New(store, execution.Options{
		Engine: interp.New(interp.Options{Tasks: gate}), Workers: 2, MapRunSaveInterval: 5 * time.Millisecond,
	})
	t.Cleanup(func() { _ = svc.Close() })
	if create {
		if _, err := svc.CreateFlow(context.Background(), execution.CreateFlowInput{Name: "fan", Definition: fanDef}); err != nil {
			t.Fatalf("CreateFlow(fan) = %v", err)
		}
	}
	return svc
}

// startFan starts execution name of flow fan over n items and returns the
// map run's name, read from the Map state's StepStarted event (decision 58),
// once two items have entered the gate.
func startFan(t *testing.T, svc *execution.Service, gate *gateTasks, name string, n int) string {
	t.Helper()
	ctx := context.Background()
	items, _ := json.Marshal(map[string]any{"items": make([]int, n)})
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "fan", ExecutionName: name, Input: string(items)}); err != nil {
		t.Fatalf("StartExecution(%s) = %v", name, err)
	}
	gate.awaitStarted(t, 2)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "fan", ExecutionName: name, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			var d struct{ MapRunName string }
			if ev.Type == "StepStarted" && json.Unmarshal([]byte(ev.Detail), &d) == nil && d.MapRunName != "" {
				return d.MapRunName
			}
		}
	}
	t.Fatalf("execution %s recorded no MapRunName", name)
	return ""
}

// waitMapRun polls DescribeMapRun until ok accepts the map run.
func waitMapRun(t *testing.T, svc *execution.Service, ref execution.MapRunRef, ok func(*execution.MapRun) bool) *execution.MapRun {
	t.Helper()
	var m *execution.MapRun
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if m, err = svc.DescribeMapRun(context.Background(), ref); err == nil && ok(m) {
			return m
		}
	}
	t.Fatalf("DescribeMapRun(%+v) = %+v, %v; never as expected", ref, m, err)
	return nil
}

func TestService_MapRun_DescribeAndUpdate(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	store := kv.NewMemStore()
	svc := mapRunService(t, store, gate, true)
	name := startFan(t, svc, gate, "run", 4)
	ref := execution.MapRunRef{FlowName: "fan", ExecutionName: "run", MapRunName: name}

	m, err := svc.DescribeMapRun(ctx, ref)
	if err != nil {
		t.Fatalf("DescribeMapRun = %v", err)
	}
	if m.Name != name || m.FlowName != "fan" || m.ExecutionName != "run" || m.Status != maprun.Running || m.Concurrency != 2 ||
		m.ItemCounts != (maprun.Counts{Total: 4, Running: 2, Pending: 2}) || m.StartedTime.IsZero() || !m.StoppedTime.IsZero() {
		t.Fatalf("DescribeMapRun while 2 of 4 run = %+v", m)
	}

	// More concurrency lets a waiting item start at once.
	up, err := svc.UpdateMapRun(ctx, execution.UpdateMapRunInput{MapRunRef: ref, Settings: maprun.Settings{Concurrency: ptr(3), ToleratedFailedPercentage: ptr(12.5)}})
	if err != nil || up.Concurrency != 3 || up.ToleratedFailedPercentage != 12.5 || up.ToleratedFailedCount != 0 || up.Status != maprun.Running {
		t.Fatalf("UpdateMapRun = %+v, %v; want Concurrency 3, 12.5 %% tolerated, still Running", up, err)
	}
	gate.awaitStarted(t, 1) // a third item
	close(gate.release)
	waitFor(t, svc, ctx, "fan", "run", execution.Succeeded)

	// The record keeps the end: status, counts, the updated settings.
	m = waitMapRun(t, svc, ref, func(m *execution.MapRun) bool { return m.Status != maprun.Running })
	if m.Status != maprun.Succeeded || m.ItemCounts != (maprun.Counts{Total: 4, Succeed: 4}) || m.StoppedTime.Before(m.StartedTime) ||
		m.Concurrency != 3 || m.ToleratedFailedPercentage != 12.5 {
		t.Errorf("finished map run = %+v, want Succeeded, 4 succeeded, stopped, the updated settings", m)
	}
	// Another service on the store answers from the record alike, once
	// the runner's final save is in.
	elsewhere := mapRunService(t, store, openGate(), false)
	if got := waitMapRun(t, elsewhere, ref, func(m *execution.MapRun) bool { return m.Status != maprun.Running }); *got != *m {
		t.Errorf("DescribeMapRun on another service = %+v, want %+v", got, m)
	}

	// A finished map run is not updated (InvalidArgument on MapRunName).
	var ae *execution.ArgumentError
	if _, err := svc.UpdateMapRun(ctx, execution.UpdateMapRunInput{MapRunRef: ref, Settings: maprun.Settings{Concurrency: ptr(5)}}); !errors.As(err, &ae) || ae.Param != "MapRunName" {
		t.Errorf("UpdateMapRun(finished) = %v, want an ArgumentError on MapRunName", err)
	}
	if m, _ := svc.DescribeMapRun(ctx, ref); m.Concurrency != 3 {
		t.Errorf("refused UpdateMapRun changed Concurrency to %d", m.Concurrency)
	}

	other := auth.NewContext(ctx, auth.Identity{AccountID: "other"})
	tests := []struct {
		name     string
		ctx      context.Context
		ref      execution.MapRunRef
		want     error
		wantText string
	}{
		{"unknown map run", ctx, execution.MapRunRef{FlowName: "fan", ExecutionName: "run", MapRunName: "Each-x"}, execution.ErrMapRunNotFound, `map run "Each-x" of execution "run" of flow "fan"`},
		{"unknown execution", ctx, execution.MapRunRef{FlowName: "fan", ExecutionName: "nope", MapRunName: name}, execution.ErrExecutionNotFound, `execution "nope"`},
		{"unknown flow", ctx, execution.MapRunRef{FlowName: "nope", ExecutionName: "run", MapRunName: name}, execution.ErrFlowNotFound, `flow "nope"`},
		{"another account", other, ref, execution.ErrFlowNotFound, `flow "fan"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.DescribeMapRun(tc.ctx, tc.ref)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("DescribeMapRun(%+v) = %v, want %v naming %s", tc.ref, err, tc.want, tc.wantText)
			}
			_, err = svc.UpdateMapRun(tc.ctx, execution.UpdateMapRunInput{MapRunRef: tc.ref, Settings: maprun.Settings{Concurrency: ptr(1)}})
			if !errors.Is(err, tc.want) {
				t.Errorf("UpdateMapRun(%+v) = %v, want %v", tc.ref, err, tc.want)
			}
		})
	}
}

// An UpdateMapRun answered by a service where the map run is not live
// changes its record; the running service applies it at its next save, and
// both then describe the same settings.
func TestService_MapRun_UpdateFromAnotherService(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	gate := newGate()
	runner := mapRunService(t, store, gate, true)
	elsewhere := execution.New(store, execution.Options{Engine: openEngine(), Enqueuer: &recordingEnqueuer{}})
	t.Cleanup(func() { _ = elsewhere.Close() })
	name := startFan(t, runner, gate, "run", 5)
	ref := execution.MapRunRef{FlowName: "fan", ExecutionName: "run", MapRunName: name}

	waitMapRun(t, elsewhere, ref, func(m *execution.MapRun) bool {
		return m.ItemCounts == maprun.Counts{Total: 5, Running: 2, Pending: 3}
	})
	up, err := elsewhere.UpdateMapRun(ctx, execution.UpdateMapRunInput{MapRunRef: ref, Settings: maprun.Settings{Concurrency: ptr(4), ToleratedFailedCount: ptr(2)}})
	if err != nil || up.Concurrency != 4 || up.ToleratedFailedCount != 2 || up.Status != maprun.Running {
		t.Fatalf("UpdateMapRun elsewhere = %+v, %v; want Concurrency 4, 2 tolerated, Running", up, err)
	}
	gate.awaitStarted(t, 2) // Concurrency 4, taken from the record
	if m, err := runner.DescribeMapRun(ctx, ref); err != nil || m.Concurrency != 4 || m.ToleratedFailedCount != 2 {
		t.Errorf("DescribeMapRun on the runner = %+v, %v; want the settings given elsewhere", m, err)
	}
	waitMapRun(t, elsewhere, ref, func(m *execution.MapRun) bool {
		return m.ItemCounts == maprun.Counts{Total: 5, Running: 4, Pending: 1}
	})
	close(gate.release)
	waitFor(t, runner, ctx, "fan", "run", execution.Succeeded)
}

// Stopping the execution aborts its map run: every unfinished item counts
// as aborted and the record says so.
func TestService_MapRun_StopAbortsIt(t *testing.T) {
	ctx := context.Background()
	gate := newGate()
	t.Cleanup(func() { close(gate.release) })
	svc := mapRunService(t, kv.NewMemStore(), gate, true)
	name := startFan(t, svc, gate, "run", 3)
	if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "fan", ExecutionName: "run"}); err != nil {
		t.Fatal(err)
	}
	ref := execution.MapRunRef{FlowName: "fan", ExecutionName: "run", MapRunName: name}
	m := waitMapRun(t, svc, ref, func(m *execution.MapRun) bool { return m.Status != maprun.Running })
	if m.Status != maprun.Aborted || m.ItemCounts != (maprun.Counts{Total: 3, Aborted: 3}) || m.StoppedTime.IsZero() {
		t.Errorf("map run after StopExecution = %+v, want Aborted with every item aborted", m)
	}
	if _, err := svc.UpdateMapRun(ctx, execution.UpdateMapRunInput{MapRunRef: ref, Settings: maprun.Settings{Concurrency: ptr(3)}}); !errors.Is(err, execution.ErrInvalidArgument) {
		t.Errorf("UpdateMapRun(aborted) = %v, want ErrInvalidArgument", err)
	}
}
