package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// nestedFlow waits for reports in a Parallel branch (Timeout.$ from the
// input, a timeout caught in the branch) and in every iteration of a Map
// (two at once) inside the other branch.
const nestedFlow = `Type: StateMachine
SpecVersion: v1
Name: nested
StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: Approve
        States:
          - Name: Approve
            Type: Task
            Action: Test:Callback
            TaskMode: WaitForCustomCallback
            Timeout.$: $Input.timeout
            Catch: [{Errors: [FnF.Timeout], Next: Late}]
            End: true
          - {Name: Late, Type: Pass, OutputConstructor: {late: true}, End: true}
      - StartAt: Each
        States:
          - Name: Each
            Type: Map
            ItemsPath: $Input.xs
            MaxConcurrency: 2
            Processor:
              StartAt: Item
              States:
                - Name: Item
                  Type: Task
                  Action: Test:Callback
                  TaskMode: WaitForCustomCallback
                  OutputConstructor: {r.$: $Output.r}
                  End: true
            End: true
    End: true
`

// nestedService runs nestedFlow on the real engine with tasks that hand out
// their tokens.
func nestedService(t *testing.T) (*execution.Service, chan string) {
	t.Helper()
	tokens := make(chan string, 64)
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: interp.New(interp.Options{Tasks: tokenTasks{tokens}}), Workers: 4,
	})
	t.Cleanup(func() { _ = svc.Close() })
	if _, err := svc.CreateFlow(context.Background(), execution.CreateFlowInput{Name: "nested", Definition: nestedFlow}); err != nil {
		t.Fatal(err)
	}
	return svc, tokens
}

// parkedWith waits until the execution is parked (no lease, waiting only
// for reports) with want tokens handed out in all, and returns the new
// tokens.
func parkedWith(t *testing.T, svc *execution.Service, tokens chan string, name string, want int) []string {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		for len(tokens) > 0 {
			got = append(got, <-tokens)
		}
		e, err := svc.DescribeExecution(context.Background(), execution.DescribeInput{FlowName: "nested", ExecutionName: name})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < want || e.Lease.Owner != "" || e.Checkpoint == nil {
			continue
		}
		if _, ok := e.Checkpoint.Waiting(); ok {
			if len(got) > want {
				t.Fatalf("%d tokens handed out, want %d", len(got), want)
			}
			return got
		}
	}
	t.Fatalf("execution %s never parked with %d tokens (got %d)", name, want, len(got))
	return nil
}

func report(t *testing.T, svc *execution.Service, tok, output string) error {
	t.Helper()
	_, err := svc.ReportTaskSucceeded(context.Background(), execution.ReportSucceededInput{TaskToken: tok, Output: output})
	return err
}

// Callbacks in a Parallel branch and in Map iterations inside the other
// branch: each report resumes its own branch or iteration exactly once
// (a second report is TaskAlreadyCompleted), the Map keeps at most two
// iterations waiting, and the execution ends with every output in place.
func TestService_NestedCallbacks_ResumeEach(t *testing.T) {
	ctx := context.Background()
	svc, tokens := nestedService(t)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "nested", ExecutionName: "e", Input: `{"timeout":3600,"xs":[1,2,3]}`}); err != nil {
		t.Fatal(err)
	}
	first := parkedWith(t, svc, tokens, "e", 3) // Approve + two items
	var approve string
	for _, tok := range first {
		// The branch's TaskScheduled comes before the Map's.
		if approve == "" || eventID(t, tok) < eventID(t, approve) {
			approve = tok
		}
	}
	items := 0
	pending := append([]string(nil), first...)
	for len(pending) > 0 {
		tok := pending[0]
		pending = pending[1:]
		out := `{"r":"approved"}`
		if tok != approve {
			items++
			out = `{"r":` + string(rune('0'+items)) + `}`
		}
		if err := report(t, svc, tok, out); err != nil {
			t.Fatalf("report %d: %v", items, err)
		}
		if err := report(t, svc, tok, out); !errors.Is(err, execution.ErrTaskCompleted) {
			t.Fatalf("second report = %v, want ErrTaskCompleted", err)
		}
		if tok != approve && items == 1 {
			// The first finished item lets the third start.
			pending = append(pending, parkedWith(t, svc, tokens, "e", 1)...)
		}
	}
	e := waitFor(t, svc, ctx, "nested", "e", execution.Succeeded)
	var out map[string]any
	if err := json.Unmarshal([]byte(e.Output), &out); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if got, want := string(b), `{"Branch0":{"r":"approved"},"Branch1":{"Items":[{"r":1},{"r":2},{"r":3}]}}`; got != want {
		t.Errorf("output = %s, want %s", got, want)
	}
	if len(tokens) != 0 {
		t.Errorf("%d more tasks were invoked, want none (each ran once)", len(tokens))
	}
	evs, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "nested", ExecutionName: "e", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d has EventId %d, want gapless", i, ev.ID)
		}
		count[ev.Type]++
	}
	if count["BranchExited"] != 2 || count["IterationExited"] != 3 || count["TaskSucceeded"] != 4 || count["StepEntered"] != 6 {
		t.Errorf("event counts %v, want 2 BranchExited, 3 IterationExited, 4 TaskSucceeded, 6 StepEntered", count)
	}
}

// eventID is the EventId of the TaskScheduled a token names.
func eventID(t *testing.T, tok string) int64 {
	t.Helper()
	d, err := token.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	return d.EventID
}

// StopExecution invalidates every outstanding token of the execution: the
// branch's and the iterations' reports are then TaskAlreadyCompleted.
func TestService_NestedCallbacks_StopInvalidatesAll(t *testing.T) {
	ctx := context.Background()
	svc, tokens := nestedService(t)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "nested", ExecutionName: "s", Input: `{"timeout":3600,"xs":[1,2,3]}`}); err != nil {
		t.Fatal(err)
	}
	toks := parkedWith(t, svc, tokens, "s", 3)
	if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "nested", ExecutionName: "s", Error: "Ops.Stop"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if err := report(t, svc, tok, `{"r":0}`); !errors.Is(err, execution.ErrTaskCompleted) {
			t.Errorf("report after stop = %v, want ErrTaskCompleted", err)
		}
	}
	if e := waitFor(t, svc, ctx, "nested", "s", execution.Stopped); e.Error != "Ops.Stop" {
		t.Errorf("error = %q, want Ops.Stop", e.Error)
	}
}

// A branch's task Timeout fires FnF.Timeout in that branch only: its Catch
// takes over while the Map's iterations keep waiting, and then finish.
func TestService_NestedCallbacks_BranchTimeout(t *testing.T) {
	ctx := context.Background()
	svc, tokens := nestedService(t)
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "nested", ExecutionName: "t", Input: `{"timeout":1,"xs":[1]}`}); err != nil {
		t.Fatal(err)
	}
	toks := parkedWith(t, svc, tokens, "t", 2)
	time.Sleep(1500 * time.Millisecond) // the branch's Timeout passes; the wake-up runs it
	waitHistory(t, svc, "t", "TaskTimedOut")
	var item string
	for _, tok := range toks {
		err := report(t, svc, tok, `{"r":1}`)
		switch {
		case err == nil:
			item = tok
		case !errors.Is(err, execution.ErrTaskCompleted):
			t.Fatalf("report = %v, want success for the item and ErrTaskCompleted for the timed-out task", err)
		}
	}
	if item == "" {
		t.Fatal("no report was taken")
	}
	e := waitFor(t, svc, ctx, "nested", "t", execution.Succeeded)
	if !strings.Contains(e.Output, `"Branch0":{"late":true}`) || !strings.Contains(e.Output, `"Items":[{"r":1}]`) {
		t.Errorf("output = %s, want the caught timeout in Branch0 and the item's output", e.Output)
	}
}

// waitHistory waits until the execution's committed history holds an event
// of type typ.
func waitHistory(t *testing.T, svc *execution.Service, name, typ string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		evs, _, err := svc.GetExecutionHistory(context.Background(), execution.HistoryInput{FlowName: "nested", ExecutionName: name, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type == typ {
				return
			}
		}
	}
	t.Fatalf("no %s event in the history of %s", typ, name)
}

// siblingTasks hands out callback tokens, blocks Test:Slow until release
// is closed, and signals each Test:After call.
type siblingTasks struct {
	tokens  chan string
	release chan struct{}
	after   chan struct{}
}

func (s siblingTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	switch call.Action {
	case "Test:Slow":
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "Test:After":
		s.after <- struct{}{}
	default:
		if call.TaskToken != "" {
			s.tokens <- call.TaskToken
		}
	}
	return map[string]any{"ok": true}, nil
}

const siblingFlow = `Type: StateMachine
SpecVersion: v1
Name: sib
StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: Ask
        States:
          - {Name: Ask, Type: Task, Action: Test:Callback, TaskMode: WaitForCustomCallback, Next: After}
          - {Name: After, Type: Task, Action: Test:After, End: true}
      - StartAt: Slow
        States:
          - {Name: Slow, Type: Task, Action: Test:Slow, End: true}
    End: true
`

// A report to a branch waiting while its sibling still runs is taken at
// once (no TaskInvalidState): the branch goes on in the same step, exactly
// once, while the sibling keeps running.
func TestService_NestedCallbacks_ReportWhileSiblingRuns(t *testing.T) {
	ctx := context.Background()
	tasks := siblingTasks{tokens: make(chan string, 4), release: make(chan struct{}), after: make(chan struct{}, 4)}
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Tasks: tasks}), Workers: 4})
	t.Cleanup(func() { _ = svc.Close() })
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "sib", Definition: siblingFlow}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "sib", ExecutionName: "s"}); err != nil {
		t.Fatal(err)
	}
	var tok string
	select {
	case tok = <-tasks.tokens:
	case <-time.After(5 * time.Second):
		t.Fatal("no callback task started")
	}
	// The submission is under way; retry while it is not waiting yet.
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if err = report(t, svc, tok, `{"v":1}`); !errors.Is(err, execution.ErrTaskInvalidState) {
			break
		}
	}
	if err != nil {
		t.Fatalf("report while the sibling runs = %v, want success", err)
	}
	select {
	case <-tasks.after:
	case <-time.After(5 * time.Second):
		t.Fatal("the reported branch did not go on while its sibling ran")
	}
	if err := report(t, svc, tok, `{"v":2}`); !errors.Is(err, execution.ErrTaskCompleted) {
		t.Errorf("second report = %v, want ErrTaskCompleted", err)
	}
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "sib", ExecutionName: "s"})
	if err != nil || e.Status != execution.Running {
		t.Fatalf("execution = %+v, %v; want Running while the sibling runs", e, err)
	}
	close(tasks.release)
	waitFor(t, svc, ctx, "sib", "s", execution.Succeeded)
	if len(tasks.after) != 0 {
		t.Error("the reported branch went on more than once")
	}
}
