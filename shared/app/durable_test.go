package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// countingTasks serves Test:Count (returns {"counted":n}) and Test:Block
// (the first call blocks until its context ends and signals blocked; later
// calls return {"from": input}), counting calls per state.
type countingTasks struct {
	mu      sync.Mutex
	calls   map[string]int
	blocked chan struct{}
}

func newCountingTasks() *countingTasks {
	return &countingTasks{calls: map[string]int{}, blocked: make(chan struct{})}
}

func (c *countingTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	c.mu.Lock()
	c.calls[call.State]++
	n := c.calls[call.State]
	c.mu.Unlock()
	switch call.Action {
	case "Test:Block":
		if n == 1 {
			close(c.blocked)
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return map[string]any{"from": call.Input}, nil
	default:
		return map[string]any{"counted": int64(n)}, nil
	}
}

func (c *countingTasks) count(state string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[state]
}

func anyAction(string) bool { return true }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const resumeFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: A
States:
  - Name: A
    Type: Task
    Action: Test:Count
    Next: B
  - Name: B
    Type: Task
    Action: Test:Block
    Next: C
  - Name: C
    Type: Pass
    End: true
`

// history returns every event of an execution through GetExecutionHistory,
// paging with limit.
func history(t *testing.T, a *App, flowName, name string, limit int) []map[string]any {
	t.Helper()
	var all []map[string]any
	next := ""
	for page := 0; page < 100; page++ {
		p := map[string]string{"FlowName": flowName, "ExecutionName": name, "Limit": strconv.Itoa(limit)}
		if next != "" {
			p["NextToken"] = next
		}
		r := mustCall(t, a.Handler, "GetExecutionHistory", p)
		evs, _ := r["Events"].([]any)
		if len(evs) > limit {
			t.Fatalf("page of %d events, limit %d", len(evs), limit)
		}
		for _, ev := range evs {
			all = append(all, ev.(map[string]any))
		}
		next = str(r["NextToken"])
		if next == "" {
			return all
		}
		if want := fmt.Sprint(all[len(all)-1]["EventId"].(float64) + 1); next != want {
			t.Fatalf("NextToken = %s, want %s (the next EventId)", next, want)
		}
	}
	t.Fatal("history never ended")
	return nil
}

// TestApp_Resume_FromCheckpoint kills a process while a Standard execution
// waits in its second state and starts another on the same bbolt directory:
// the execution resumes at that state (the first Task is not called again)
// and its history continues without gaps or repeats.
func TestApp_Resume_FromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	tasks := newCountingTasks()
	eng := interp.New(interp.Options{Tasks: tasks})
	a, err := newApp(Config{DataDir: dir, Logger: quiet}, execution.Options{Engine: eng, KnownAction: anyAction}, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "resume", "Definition": define("resume", resumeFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "resume", "ExecutionName": "r1", "Input": `{"n":1}`})
	<-tasks.blocked // A is done and persisted; B is running
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	b, err := newApp(Config{DataDir: dir, Logger: quiet}, execution.Options{Engine: eng, KnownAction: anyAction}, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	done := mustCall(t, b.Handler, "DescribeExecution", map[string]string{"FlowName": "resume", "ExecutionName": "r1", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" || done["Output"] != `{"from":{"counted":1}}` {
		t.Fatalf("resumed execution = %v, want Succeeded with A's first result", done)
	}
	if got := tasks.count("A"); got != 1 {
		t.Errorf("Task A called %d times, want 1 (it finished before the crash)", got)
	}
	if got := tasks.count("B"); got != 2 {
		t.Errorf("Task B called %d times, want 2 (interrupted attempt, resumed attempt)", got)
	}
	evs := history(t, b, "resume", "r1", 4)
	var types []string
	for i, ev := range evs {
		if id := int(ev["EventId"].(float64)); id != i+1 {
			t.Fatalf("event %d has EventId %d, want %d (no gaps or repeats)", i, id, i+1)
		}
		types = append(types, fmt.Sprintf("%s:%s", ev["Type"], str(ev["StepName"])))
	}
	want := []string{
		"ExecutionStarted:",
		"StepEntered:A", "StepStarted:A", "TaskScheduled:A", "TaskStarted:A", "TaskSucceeded:A", "StepSucceeded:A", "StepExited:A",
		"StepEntered:B", "StepStarted:B", "TaskScheduled:B", "TaskStarted:B", "TaskSucceeded:B", "StepSucceeded:B", "StepExited:B",
		"StepEntered:C", "StepStarted:C", "StepSucceeded:C", "StepExited:C",
		"ExecutionSucceeded:",
	}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("history =\n%v\nwant\n%v", types, want)
	}
}

// TestApp_GetExecutionHistory_Events checks the ids, ScheduleEventId rule
// and EventDetail of a real run (reference 9.5 decisions, 6.5), paging
// with every limit, with history kept in the record and spilled to chunks.
func TestApp_GetExecutionHistory_Events(t *testing.T) {
	const flowSrc = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: A
States:
  - {Name: A, Type: Pass, Next: T}
  - {Name: T, Type: Task, Action: "Test:Count", End: true}
`
	// Hand-derived from reference 9.5: EventId 1, 2, ...; ScheduleEventId is
	// the StepEntered (step events) or TaskScheduled (task events) that
	// opened it, 0 for execution events and StepEntered.
	want := []string{
		"1 0 ExecutionStarted ", "2 0 StepEntered A", "3 2 StepStarted A", "4 2 StepSucceeded A", "5 2 StepExited A",
		"6 0 StepEntered T", "7 6 StepStarted T", "8 6 TaskScheduled T", "9 8 TaskStarted T", "10 8 TaskSucceeded T",
		"11 6 StepSucceeded T", "12 6 StepExited T", "13 0 ExecutionSucceeded ",
	}
	for _, spill := range []int{0, 1} {
		t.Run(fmt.Sprintf("spill=%d", spill), func(t *testing.T) {
			eng := interp.New(interp.Options{Tasks: newCountingTasks()})
			a, err := newApp(Config{Store: StoreMemory, Logger: quiet}, execution.Options{Engine: eng, KnownAction: anyAction, HistorySpillBytes: spill}, api.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "h", "Definition": define("h", flowSrc)})
			mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "h", "ExecutionName": "e", "Input": `{"k":"v"}`})
			if r := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "h", "ExecutionName": "e", "WaitTimeSeconds": "10"}); r["Status"] != "Succeeded" {
				t.Fatalf("execution = %v", r)
			}
			for _, limit := range []int{1, 2, 5, 12, 13, 60, 1000} {
				evs := history(t, a, "h", "e", limit)
				var got []string
				for _, ev := range evs {
					got = append(got, fmt.Sprintf("%v %v %v %v", ev["EventId"], ev["ScheduleEventId"], ev["Type"], str(ev["StepName"])))
					if _, err := strconv.ParseFloat("0", 64); err != nil || str(ev["Time"]) == "" {
						t.Errorf("event %v has no Time", ev)
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("limit %d: history =\n%v\nwant\n%v", limit, got, want)
				}
				wantDetail(t, evs[0], map[string]any{"Input": map[string]any{"k": "v"}})
				wantDetail(t, evs[9], map[string]any{"Output": map[string]any{"counted": float64(1)}})
				wantDetail(t, evs[12], map[string]any{"Output": map[string]any{"counted": float64(1)}})
			}
		})
	}
}

func wantDetail(t *testing.T, ev map[string]any, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(str(ev["EventDetail"])), &got); err != nil {
		t.Fatalf("event %v: EventDetail is not a JSON object: %v", ev["EventId"], err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event %v %v EventDetail = %v, want %v", ev["EventId"], ev["Type"], got, want)
	}
}

// TestApp_GetExecutionHistory_Endings checks the closing event of a failed
// (decision 31) and a stopped (reference 9.4) execution.
func TestApp_GetExecutionHistory_Endings(t *testing.T) {
	const sleepFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Sleep
States:
  - {Name: Sleep, Type: Wait, Seconds: 60, End: true}
`
	a, err := New(Config{Store: StoreMemory, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "bad", "Definition": define("bad", failFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "bad", "ExecutionName": "f1"})
	if r := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "bad", "ExecutionName": "f1", "WaitTimeSeconds": "10"}); r["Status"] != "Failed" {
		t.Fatalf("execution = %v, want Failed", r)
	}
	evs := history(t, a, "bad", "f1", 60)
	last := evs[len(evs)-1]
	if last["Type"] != "ExecutionFailed" || last["ScheduleEventId"] != float64(0) {
		t.Errorf("last event = %v, want ExecutionFailed with ScheduleEventId 0", last)
	}
	wantDetail(t, last, map[string]any{"Error": "Order.Invalid", "Cause": "no items"})

	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "sleepy", "Definition": define("sleepy", sleepFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "sleepy", "ExecutionName": "s1"})
	mustCall(t, a.Handler, "StopExecution", map[string]string{"FlowName": "sleepy", "ExecutionName": "s1", "Error": "Ops.Cancel", "Cause": "not needed"})
	evs = history(t, a, "sleepy", "s1", 60)
	last = evs[len(evs)-1]
	if last["Type"] != "ExecutionStopped" || int(last["EventId"].(float64)) != len(evs) {
		t.Errorf("history = %v, want it to end with ExecutionStopped numbered %d", evs, len(evs))
	}
	wantDetail(t, last, map[string]any{"Error": "Ops.Cancel", "Cause": "not needed"})
}

// TestApp_GetExecutionHistory_Rejections checks parameter and lookup errors.
func TestApp_GetExecutionHistory_Rejections(t *testing.T) {
	a, err := New(Config{Store: StoreMemory, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "Input": `{"name":"A"}`})
	mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "WaitTimeSeconds": "10"})
	tests := []struct {
		name   string
		params map[string]string
		status int
		code   string
	}{
		{"no flow name", map[string]string{"ExecutionName": "e1"}, 400, "MissingRequiredParams"},
		{"no execution name", map[string]string{"FlowName": "greet"}, 400, "MissingRequiredParams"},
		{"limit 0", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "Limit": "0"}, 400, "InvalidArgument"},
		{"limit 1001", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "Limit": "1001"}, 400, "InvalidArgument"},
		{"token not a number", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "NextToken": "abc"}, 400, "InvalidArgument"},
		{"token zero", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "NextToken": "0"}, 400, "InvalidArgument"},
		{"token past the end", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "NextToken": "999"}, 400, "InvalidArgument"},
		{"unknown flow", map[string]string{"FlowName": "nope", "ExecutionName": "e1"}, 404, "FlowNotExists"},
		{"unknown execution", map[string]string{"FlowName": "greet", "ExecutionName": "nope"}, 404, "ExecutionNotExists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, a.Handler, "GetExecutionHistory", tc.params)
			if code != tc.status || body["Code"] != tc.code {
				t.Errorf("GetExecutionHistory(%v) = %d %v, want %d %s", tc.params, code, body, tc.status, tc.code)
			}
		})
	}
	code, body := call(t, a.Handler, "GetExecutionHistory", map[string]string{"FlowName": "greet", "ExecutionName": "nope"})
	if code == 404 && body["Message"] != "Execution nope for flow greet does not exist." {
		t.Errorf("ExecutionNotExists message = %q", body["Message"])
	}
	// Default Limit is 60: a 7-event history comes in one page.
	r := mustCall(t, a.Handler, "GetExecutionHistory", map[string]string{"FlowName": "greet", "ExecutionName": "e1"})
	if evs, _ := r["Events"].([]any); len(evs) != 6 || r["NextToken"] != nil {
		t.Errorf("GetExecutionHistory(default limit) = %v, want 6 events and no NextToken", r)
	}
}
