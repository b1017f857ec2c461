package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// heldTasks blocks every Task call until release receives a value; started
// counts the calls that began.
type heldTasks struct {
	started atomic.Int64
	release chan struct{}
}

func (h *heldTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	h.started.Add(1)
	select {
	case <-h.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return map[string]any{"done": call.Input}, nil
}

const distributedMapDef = `Type: StateMachine
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
          Action: "Test:Work"
          End: true
    End: true
`

// mapRunName finds the map run's name in the Map state's StepStarted event
// (decision 58).
func (e *testEnv) mapRunName(t *testing.T, flowName, execName string) string {
	t.Helper()
	re := regexp.MustCompile(`\\"MapRunName\\":\\"(Each-[0-9a-f-]{36})\\"`)
	var name string
	e.waitFor(t, func() bool {
		h := e.call(t, "GetExecutionHistory", map[string]string{"FlowName": flowName, "ExecutionName": execName})
		if m := re.FindStringSubmatch(h.raw); m != nil {
			name = m[1]
		}
		return name != ""
	})
	return name
}

type mapRunReply struct {
	MapRunName, ExecutionName, Status   string
	Concurrency, ToleratedFailedCount   int
	ToleratedFailedPercentage           float64
	ItemCounts                          api.ItemCounts
	StartedTime, StoppedTime, RequestId string
}

func decodeMapRun(t *testing.T, r reply) mapRunReply {
	t.Helper()
	wantOK(t, r)
	var m mapRunReply
	if err := json.Unmarshal([]byte(r.raw), &m); err != nil {
		t.Fatalf("decode %s: %v", r.raw, err)
	}
	return m
}

func TestHandler_MapRun_DescribeAndUpdateWhileRunning(t *testing.T) {
	tasks := &heldTasks{release: make(chan struct{})}
	store := kv.NewMemStore()
	e := newEnv(t, store, func(o *execution.Options, _ *api.Options) {
		o.Engine = interp.New(interp.Options{Tasks: tasks})
		o.MapRunSaveInterval = 20 * time.Millisecond
	})
	wantOK(t, e.call(t, "CreateFlow", map[string]string{"Name": "fan", "Definition": distributedMapDef, "Type": "FDL", "ExecutionMode": "Standard"}))
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "Input": `{"items":[1,2,3,4,5,6]}`}))
	name := e.mapRunName(t, "fan", "run1")
	ref := map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": name}

	e.waitFor(t, func() bool { return tasks.started.Load() == 2 })
	m := decodeMapRun(t, e.call(t, "DescribeMapRun", ref))
	if m.MapRunName != name || m.ExecutionName != "run1" || m.Status != "Running" || m.Concurrency != 2 ||
		m.ItemCounts != (api.ItemCounts{Total: 6, Running: 2, Pending: 4}) || m.StartedTime == "" || m.StoppedTime != "" || m.RequestId == "" {
		t.Fatalf("DescribeMapRun while 2 of 6 run = %+v", m)
	}
	time.Sleep(50 * time.Millisecond)
	if n := tasks.started.Load(); n != 2 {
		t.Fatalf("%d items started with Concurrency 2", n)
	}

	upd := map[string]string{"Concurrency": "5", "ToleratedFailedCount": "1", "ToleratedFailedPercentage": "12.5"}
	for k, v := range ref {
		upd[k] = v
	}
	m = decodeMapRun(t, e.call(t, "UpdateMapRun", upd))
	if m.Concurrency != 5 || m.ToleratedFailedCount != 1 || m.ToleratedFailedPercentage != 12.5 || m.Status != "Running" {
		t.Fatalf("UpdateMapRun = %+v, want the new values echoed", m)
	}
	e.waitFor(t, func() bool { return tasks.started.Load() == 5 })
	e.waitFor(t, func() bool {
		m = decodeMapRun(t, e.call(t, "DescribeMapRun", ref))
		return m.ItemCounts == api.ItemCounts{Total: 6, Running: 5, Pending: 1}
	})

	close(tasks.release)
	if r := e.finalExecution(t, "fan", "run1"); r.str("Status") != "Succeeded" {
		t.Fatalf("execution = %s", r.raw)
	}
	e.waitFor(t, func() bool {
		m = decodeMapRun(t, e.call(t, "DescribeMapRun", ref))
		return m.Status == "Succeeded"
	})
	if m.ItemCounts != (api.ItemCounts{Total: 6, Succeed: 6}) || m.StoppedTime == "" || m.Concurrency != 5 {
		t.Fatalf("final map run = %+v", m)
	}

	// The stored record holds the final state: another service on the
	// same store (no live run) answers from it.
	other := newEnv(t, store, nil)
	var got mapRunReply
	other.waitFor(t, func() bool {
		got = decodeMapRun(t, other.call(t, "DescribeMapRun", ref))
		return got.Status != "Running"
	})
	if got.ItemCounts != m.ItemCounts || got.Status != "Succeeded" ||
		got.StoppedTime != m.StoppedTime || got.Concurrency != 5 || got.ToleratedFailedPercentage != 12.5 {
		t.Errorf("stored map run = %+v, want %+v", got, m)
	}
	h := e.call(t, "GetExecutionHistory", map[string]string{"FlowName": "fan", "ExecutionName": "run1"})
	if strings.Count(h.raw, name) != 2 {
		t.Errorf("history names the map run %d times, want StepStarted and StepSucceeded: %s", strings.Count(h.raw, name), h.raw)
	}

	// A finished map run cannot be updated.
	wantError(t, e.call(t, "UpdateMapRun", upd), 400, "InvalidArgument",
		fmt.Sprintf("Parameter error. map run %s has already ended (Succeeded); only a running map run can be updated.", name))

	tests := []struct {
		name          string
		action        string
		params        map[string]string
		status        int
		code, message string
	}{
		{"unknown map run", "DescribeMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": "Each-x"}, 404, "MapRunNotExists", "MapRun Each-x does not exist."},
		{"update unknown", "UpdateMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": "Other", "Concurrency": "3"}, 404, "MapRunNotExists", "MapRun Other does not exist."},
		{"unknown execution", "DescribeMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "nope", "MapRunName": name}, 404, "ExecutionNotExists", "Execution nope for flow fan does not exist."},
		{"unknown flow", "DescribeMapRun", map[string]string{"FlowName": "nope", "ExecutionName": "run1", "MapRunName": name}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"no map run name", "DescribeMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1"}, 400, "MissingRequiredParams", "The HTTP query 'MapRunName' must be specified."},
		{"no execution name", "UpdateMapRun", map[string]string{"FlowName": "fan", "MapRunName": name}, 400, "MissingRequiredParams", "The HTTP query 'ExecutionName' must be specified."},
		{"concurrency 0", "UpdateMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": name, "Concurrency": "0"}, 400, "InvalidArgument", "Parameter error. Concurrency must be an integer from 1 to 100."},
		{"concurrency text", "UpdateMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": name, "Concurrency": "many"}, 400, "InvalidArgument", "Parameter error. Concurrency must be an integer from 1 to 100."},
		{"negative count", "UpdateMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": name, "ToleratedFailedCount": "-1"}, 400, "InvalidArgument", "Parameter error. ToleratedFailedCount must be an integer from 0 to 10000."},
		{"percentage over 100", "UpdateMapRun", map[string]string{"FlowName": "fan", "ExecutionName": "run1", "MapRunName": name, "ToleratedFailedPercentage": "100.5"}, 400, "InvalidArgument", "Parameter error. ToleratedFailedPercentage must be a number from 0 to 100."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.call(t, tt.action, tt.params), tt.status, tt.code, tt.message)
		})
	}
}

func TestHandler_MapRun_StopAbortsIt(t *testing.T) {
	tasks := &heldTasks{release: make(chan struct{})}
	e := newEnv(t, nil, func(o *execution.Options, _ *api.Options) {
		o.Engine = interp.New(interp.Options{Tasks: tasks})
		o.MapRunSaveInterval = 20 * time.Millisecond
	})
	wantOK(t, e.call(t, "CreateFlow", map[string]string{"Name": "fan", "Definition": distributedMapDef, "Type": "FDL", "ExecutionMode": "Standard"}))
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "fan", "ExecutionName": "run2", "Input": `{"items":[1,2,3]}`}))
	name := e.mapRunName(t, "fan", "run2")
	e.waitFor(t, func() bool { return tasks.started.Load() == 2 })
	wantOK(t, e.call(t, "StopExecution", map[string]string{"FlowName": "fan", "ExecutionName": "run2"}))
	ref := map[string]string{"FlowName": "fan", "ExecutionName": "run2", "MapRunName": name}
	var m mapRunReply
	e.waitFor(t, func() bool {
		m = decodeMapRun(t, e.call(t, "DescribeMapRun", ref))
		return m.Status != "Running"
	})
	if m.Status != "Aborted" || m.ItemCounts != (api.ItemCounts{Total: 3, Aborted: 3}) || m.StoppedTime == "" {
		t.Errorf("map run after StopExecution = %+v, want Aborted with every item aborted", m)
	}
}

// An UpdateMapRun answered by another service on the same store reaches the
// running map run through its record, at the runner's next save.
func TestHandler_MapRun_UpdateFromAnotherProcess(t *testing.T) {
	tasks := &heldTasks{release: make(chan struct{})}
	store := kv.NewMemStore()
	e := newEnv(t, store, func(o *execution.Options, _ *api.Options) {
		o.Engine = interp.New(interp.Options{Tasks: tasks})
		o.MapRunSaveInterval = 20 * time.Millisecond
	})
	other := newEnv(t, store, nil)
	wantOK(t, e.call(t, "CreateFlow", map[string]string{"Name": "fan", "Definition": distributedMapDef, "Type": "FDL", "ExecutionMode": "Standard"}))
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "fan", "ExecutionName": "run3", "Input": `{"items":[1,2,3,4,5]}`}))
	name := e.mapRunName(t, "fan", "run3")
	ref := map[string]string{"FlowName": "fan", "ExecutionName": "run3", "MapRunName": name}
	e.waitFor(t, func() bool { return tasks.started.Load() == 2 })
	// The other service reads the saved record.
	other.waitFor(t, func() bool {
		return decodeMapRun(t, other.call(t, "DescribeMapRun", ref)).ItemCounts == api.ItemCounts{Total: 5, Running: 2, Pending: 3}
	})
	upd := map[string]string{"Concurrency": "4"}
	for k, v := range ref {
		upd[k] = v
	}
	if m := decodeMapRun(t, other.call(t, "UpdateMapRun", upd)); m.Concurrency != 4 || m.Status != "Running" {
		t.Fatalf("UpdateMapRun elsewhere = %+v", m)
	}
	e.waitFor(t, func() bool { return tasks.started.Load() == 4 })
	if m := decodeMapRun(t, e.call(t, "DescribeMapRun", ref)); m.Concurrency != 4 {
		t.Errorf("the running process's map run has Concurrency %d, want 4", m.Concurrency)
	}
	close(tasks.release)
	if r := e.finalExecution(t, "fan", "run3"); r.str("Status") != "Succeeded" {
		t.Fatalf("execution = %s", r.raw)
	}
}
