package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// nestedCrashFlow runs a Parallel (an HTTP call and a Wait in one branch,
// an HTTP call in the other), then a Map over 1,000 items whose every
// iteration calls the test's HTTP target once and waits. The target counts
// the calls per task, so a branch or iteration that runs again shows.
const nestedCrashFlow = `Type: StateMachine
SpecVersion: v1
Name: crashnested
StartAt: Both
States:
  - Name: Both
    Type: Parallel
    Branches:
      - StartAt: Left
        States:
          - Name: Left
            Type: Task
            Action: HTTP:Request
            Parameters: {method: POST, url.$: 'format("{}/hit/left", $Input.target)'}
            Next: LeftNap
          - {Name: LeftNap, Type: Wait, Seconds: 1, End: true}
      - StartAt: Right
        States:
          - Name: Right
            Type: Task
            Action: HTTP:Request
            Parameters: {method: POST, url.$: 'format("{}/hit/right", $Input.target)'}
            End: true
    OutputConstructor: {items.$: $Input.items, target.$: $Input.target}
    Next: Each
  - Name: Each
    Type: Map
    ItemsPath: $Input.items
    MaxConcurrency: 40
    ItemConstructor: {i.$: $Item, target.$: $Input.target}
    Processor:
      StartAt: Call
      States:
        - Name: Call
          Type: Task
          Action: HTTP:Request
          Parameters: {method: POST, url.$: 'format("{}/hit/{}", $Input.target, $Input.i)'}
          OutputConstructor: {i.$: $Input.i, code.$: $Output.Code}
          Next: Nap
        - {Name: Nap, Type: Wait, Seconds: 2, End: true}
    OutputConstructor: {n.$: length($Output.Items)}
    End: true
`

// nestedCrashItems is how many items the crash test's Map runs.
const nestedCrashItems = 1000

// taskTarget is the flow's HTTP target: it records when each task was
// called.
type taskTarget struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

func (h *taskTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/hit/")
	h.mu.Lock()
	h.hits[key] = append(h.hits[key], time.Now())
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{}`))
}

// serveTarget serves a new taskTarget on a loopback port until the test
// ends and returns it with its address.
func serveTarget(t *testing.T) (*taskTarget, string) {
	t.Helper()
	target := &taskTarget{hits: map[string][]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: target, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return target, ln.Addr().String()
}

func (h *taskTarget) snapshot() map[string][]time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]time.Time, len(h.hits))
	for k, v := range h.hits {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// crashMargin is how long before the kill an iteration's task must have
// been called for the iteration to count as finished and written: its Wait
// (500 ms at the test's time scale), the progress interval (250 ms) and
// the write, with room for a loaded machine.
const crashMargin = 3 * time.Second

// TestLocal_CrashRecovery_ParallelMap runs the flow above on bbolt (Waits at
// a quarter of their time) and kills the server with SIGKILL while the Map
// is about two thirds done, then restarts it. The execution must succeed
// with all 1,000 outputs; the Parallel's branches, which finished before
// the kill, ran once; every iteration whose task was called at least
// crashMargin before the kill ran once (its completion was written in a
// progress checkpoint, so the restart did not run it again); every item ran
// at least once; the history is gapless and enters Both and Each once.
func TestLocal_CrashRecovery_ParallelMap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs functions/local; skipped with -short")
	}
	bin := buildLocal(t)
	target, addr := serveTarget(t)

	dir := t.TempDir()
	env := []string{"CLOUDFLOW_TIME_SCALE=0.25", "CLOUDFLOW_MAX_HISTORY_EVENTS=100000"}
	s := startServer(t, bin, dir, env...)
	s.mustCall(t, "CreateFlow", map[string]string{
		"Name": "crashnested", "Type": "FDL", "ExecutionMode": "Standard", "Definition": nestedCrashFlow, "Description": "nested crash test",
	})
	items := make([]string, nestedCrashItems)
	for i := range items {
		items[i] = strconv.Itoa(i)
	}
	input := fmt.Sprintf(`{"target":"http://%s","items":[%s]}`, addr, strings.Join(items, ","))
	s.mustCall(t, "StartExecution", map[string]string{"FlowName": "crashnested", "ExecutionName": "big", "Input": input})

	// Kill once about two thirds of the items were called.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if n := len(target.snapshot()); n >= 2+nestedCrashItems*2/3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d tasks were called within 60s", len(target.snapshot()))
		}
	}
	s.kill()
	killed := time.Now()
	before := target.snapshot()
	t.Logf("killed with %d of %d items called", len(before)-2, nestedCrashItems)

	s = startServer(t, bin, dir, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, _ := waitOutputs(ctx, t, s, "crashnested", []string{"big"})
	if want := fmt.Sprintf(`{"n":%d}`, nestedCrashItems); !jsonEqual(out["big"], want) {
		t.Errorf("output = %s, want %s", out["big"], want)
	}
	hits := target.snapshot()
	for _, k := range []string{"left", "right"} {
		if n := len(hits[k]); n != 1 {
			t.Errorf("branch task %s called %d times, want once (the Parallel finished before the kill)", k, n)
		}
	}
	written, again := 0, 0
	for i := range nestedCrashItems {
		calls := hits[strconv.Itoa(i)]
		switch {
		case len(calls) == 0:
			t.Errorf("item %d was never called", i)
		case calls[0].Before(killed.Add(-crashMargin)):
			written++
			if len(calls) != 1 {
				t.Errorf("item %d, called %v before the kill, ran %d times; want once", i, killed.Sub(calls[0]).Round(time.Millisecond), len(calls))
			}
		case len(calls) > 1:
			again++
		}
	}
	t.Logf("%d items finished well before the kill ran once; %d items near the kill ran again", written, again)
	if written < nestedCrashItems/5 {
		t.Errorf("only %d items were called %v before the kill; the check needs more", written, crashMargin)
	}
	checkNestedHistory(t, s, "crashnested", "big", []string{"Both", "Each"})
}

// checkNestedHistory pages through an execution's history: EventIds 1..n
// without gaps, each of states entered once, one ExecutionSucceeded.
func checkNestedHistory(t *testing.T, s *server, flow, name string, states []string) {
	t.Helper()
	entered := map[string]int{}
	succeeded, want := 0, 1
	next := ""
	for page := 0; page < 1000; page++ {
		p := map[string]string{"FlowName": flow, "ExecutionName": name, "Limit": "1000"}
		if next != "" {
			p["NextToken"] = next
		}
		r := s.mustCall(t, "GetExecutionHistory", p)
		evs, _ := r["Events"].([]any)
		for _, e := range evs {
			ev := e.(map[string]any)
			if id, _ := ev["EventId"].(float64); int(id) != want {
				t.Fatalf("%s event has EventId %v, want %d (gapless)", name, ev["EventId"], want)
			}
			want++
			switch ev["Type"] {
			case "StepEntered":
				step, _ := ev["StepName"].(string)
				entered[step]++
			case "ExecutionSucceeded":
				succeeded++
			}
		}
		if next, _ = r["NextToken"].(string); next == "" {
			break
		}
	}
	for _, step := range states {
		if entered[step] != 1 {
			t.Errorf("%s entered %s %d times, want once", name, step, entered[step])
		}
	}
	if succeeded != 1 {
		t.Errorf("%s has %d ExecutionSucceeded events, want 1", name, succeeded)
	}
}

// parkedNestedFlow waits in both branches of a Parallel after an HTTP call
// in each; the first branch calls again after its Wait.
const parkedNestedFlow = `Type: StateMachine
SpecVersion: v1
Name: parkednested
StartAt: Both
States:
  - Name: Both
    Type: Parallel
    Branches:
      - StartAt: Left
        States:
          - Name: Left
            Type: Task
            Action: HTTP:Request
            Parameters: {method: POST, url.$: 'format("{}/hit/left", $Input.target)'}
            OutputConstructor: {target.$: $Input.target}
            Next: LeftNap
          - {Name: LeftNap, Type: Wait, Seconds: 3, Next: After}
          - Name: After
            Type: Task
            Action: HTTP:Request
            Parameters: {method: POST, url.$: 'format("{}/hit/after", $Input.target)'}
            OutputConstructor: {after.$: $Output.Code}
            End: true
      - StartAt: Right
        States:
          - Name: Right
            Type: Task
            Action: HTTP:Request
            Parameters: {method: POST, url.$: 'format("{}/hit/right", $Input.target)'}
            Next: RightNap
          - {Name: RightNap, Type: Wait, Seconds: 4, End: true}
    OutputConstructor: {left.$: $Output.Branch0.after, right.$: $Output.Branch1.Code}
    End: true
`

// TestLocal_CrashRecovery_ParkedNestedWait kills the server with SIGKILL
// while an execution is parked on the Waits of both branches of a Parallel
// (real time: they park), then restarts it. The restarted server resumes
// the branches from the checkpoint: each task ran once, the task after
// the 3 s Wait ran no earlier than that Wait's original due time (not
// waited again from the restart), the output is complete and the history
// gapless, entering Both and each Wait once.
func TestLocal_CrashRecovery_ParkedNestedWait(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs functions/local; skipped with -short")
	}
	bin := buildLocal(t)
	target, addr := serveTarget(t)

	dir := t.TempDir()
	s := startServer(t, bin, dir)
	s.mustCall(t, "CreateFlow", map[string]string{
		"Name": "parkednested", "Type": "FDL", "ExecutionMode": "Standard", "Definition": parkedNestedFlow, "Description": "parked nested crash test",
	})
	s.mustCall(t, "StartExecution", map[string]string{"FlowName": "parkednested", "ExecutionName": "p", "Input": fmt.Sprintf(`{"target":"http://%s"}`, addr)})
	for deadline := time.Now().Add(30 * time.Second); s.logs.executions("execution parked")["p"] == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the execution never parked; log:\n%s", s.logs.String())
		}
	}
	s.kill()
	hits := target.snapshot()
	if len(hits["left"]) != 1 || len(hits["right"]) != 1 || len(hits["after"]) != 0 {
		t.Fatalf("calls before the kill = %v, want left and right once", hits)
	}
	due := hits["left"][0].Add(3 * time.Second) // the Wait starts after the call returned

	s = startServer(t, bin, dir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log after the restart:\n%s", s.logs.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, _ := waitOutputs(ctx, t, s, "parkednested", []string{"p"})
	if want := `{"left":200,"right":200}`; !jsonEqual(out["p"], want) {
		t.Errorf("output = %s, want %s", out["p"], want)
	}
	hits = target.snapshot()
	for _, k := range []string{"left", "right", "after"} {
		if n := len(hits[k]); n != 1 {
			t.Errorf("task %s called %d times, want once", k, n)
		}
	}
	if after := hits["after"]; len(after) == 1 && after[0].Before(due) {
		t.Errorf("the task after the Wait ran %v before the Wait's due time", due.Sub(after[0]))
	}
	checkNestedHistory(t, s, "parkednested", "p", []string{"Both", "LeftNap", "RightNap", "After"})
}
