package interp

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// legacyCallbackFlow waits in its second step for a report; the token
// reaches the function through $context.task.token (decision 61).
const legacyCallbackFlow = `version: v1beta1
type: flow
steps:
  - type: pass
    name: first
    outputMappings: [{target: seen, source: $input.order}]
  - type: task
    name: approve
    resourceArn: ` + lfc + `echo
    pattern: waitForCallback
    timeoutSeconds: 60
    inputMappings:
      - {target: order, source: $input.order}
      - {target: token, source: $context.task.token}
      - {target: eventId, source: $context.step.eventId}
    outputMappings:
      - {target: approved, source: $local.ok}
      - {target: order, source: $input.order}
    errorMappings: [{target: error, source: $local.error}]
    catch: [{errors: [FnF.TaskTimeout], goto: late}]
  - {type: succeed, name: done}
  - {type: pass, name: late}
`

// A top-level legacy callback step waits with the token its inputMappings
// received, survives a checkpoint and resume, and ends with the reported
// output as its $local.
func TestEngine_Resume_LegacyWaiting(t *testing.T) {
	e, f, m, _, _, tasks := startCallback(t, legacyCallbackFlow)
	tok, _, _ := m.Waiting()
	// ExecutionStarted 1; first: 2-5; approve: StepEntered 6, StepStarted
	// 7, TaskScheduled 8.
	if tok != "tok-8" {
		t.Fatalf("Waiting() token = %q, want tok-8", tok)
	}
	calls := tasks.Calls()
	if len(calls) != 1 {
		t.Fatalf("runner calls = %+v, want one", calls)
	}
	body, _ := calls[0].Parameters.(map[string]any)["body"].(map[string]any)
	if body["token"] != tok || body["order"] != "o1" || body["eventId"] != int64(6) {
		t.Errorf("function event = %v, want token %s, order o1, eventId 6", body, tok)
	}
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cp)
	var back Checkpoint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	m2, err := e.Resume(f, execWithTokens("exec-1", &memRecorder{}), back)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if _, err := m2.Complete(tok, map[string]any{"ok": true}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	wantResult(t, runToEnd(t, m2), Succeeded, `{"seen":"o1","approved":true,"order":"o1"}`, "")
}

// An unreported legacy callback step times out with FnF.TaskTimeout, which
// its catch rule matches (decision 63).
func TestMachine_Step_LegacyCallbackTimeout(t *testing.T) {
	_, _, m, _, clock, _ := startCallback(t, legacyCallbackFlow)
	_ = clock.Sleep(context.Background(), 61*time.Second)
	wantResult(t, runToEnd(t, m), Succeeded, `{"seen":"o1","error":"FnF.TaskTimeout"}`, "")
}

// legacyNestedFlow waits for reports inside a foreach (one per item) and
// inside a choice's inline steps; a parallel branch runs a sub-flow with
// pattern sync, whose child the step waits for (WaitForSystemCallback).
const legacyNestedFlow = `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $input.xs, item: x}
    steps:
      - type: task
        name: ask
        resourceArn: ` + lfc + `echo
        pattern: waitForCallback
        inputMappings: [{target: x, source: $input.x}, {target: token, source: $context.task.token}]
        outputMappings: [{target: x, source: $input.x}, {target: ok, source: $local.ok}]
    outputMappings: [{target: each, source: $local}]
  - type: choice
    name: pick
    choices:
      - condition: $.each[0].ok == true
        steps:
          - type: task
            name: confirm
            resourceArn: ` + lfc + `echo
            pattern: waitForCallback
            outputMappings: [{target: confirmed, source: $local.c}]
  - type: parallel
    name: par
    branches:
      - steps:
          - type: task
            name: child
            resourceArn: acs:fnf:::flow/sub
            pattern: sync
            outputMappings: [{target: child, source: $local.out}]
      - steps:
          - {type: pass, name: p, outputMappings: [{target: p, source: 1}]}
    outputMappings: [{target: par, source: $local}]
`

// syncChildTasks serves FC echo as the legacy helpers do and answers a
// sub-flow started with pattern sync with Submitted: the child runs on its
// own and reports later.
type syncChildTasks struct{ testTasks }

func (s *syncChildTasks) Invoke(ctx context.Context, call TaskCall) (any, error) {
	if call.Action == "FNF:StartExecution" {
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.mu.Unlock()
		return Submitted{}, nil
	}
	return s.testTasks.Invoke(ctx, call)
}

// Callbacks inside legacy foreach iterations, a choice's inline steps and
// a parallel branch (a sync sub-flow) suspend only their own scope and
// resume from checkpoints; the sync child is waited for, not left running.
func TestMachine_LegacyNestedCallbacks(t *testing.T) {
	clock := newFakeClock()
	tasks := &syncChildTasks{testTasks{clock: clock}}
	e := New(Options{Clock: clock, Tasks: tasks})
	f := mustParse(t, flow.Standard, legacyNestedFlow)
	ex := execWithTokens("exec-1", &memRecorder{})
	ex.Input = []byte(`{"xs":["a","b"]}`)
	m := e.Start(f, ex)
	stepUntilWaiting(t, m)
	report := func(want int, out map[string]any) {
		t.Helper()
		ps := m.Pending()
		if len(ps) != want {
			t.Fatalf("Pending() = %+v, want %d", ps, want)
		}
		m = resumeAt(t, e, f, ex, m)
		for _, p := range ps {
			if _, err := m.Complete(p.Token, out); err != nil {
				t.Fatalf("Complete: %v", err)
			}
		}
		for i := 0; i < 20; i++ {
			if _, _, ok := m.Waiting(); ok || m.Step(context.Background()) {
				return
			}
		}
	}
	report(2, map[string]any{"ok": true}) // both foreach iterations
	report(1, map[string]any{"c": "yes"}) // the choice's inline step
	calls := tasks.Calls()
	if last := calls[len(calls)-1]; last.Action != "FNF:StartExecution" || last.TaskToken == "" {
		t.Fatalf("last call = %+v, want the sync sub-flow start with a task token", last)
	}
	report(1, map[string]any{"out": 42}) // the child's end, reported back
	wantResult(t, runToEnd(t, m), Succeeded,
		`{"each":[{"x":"a","ok":true},{"x":"b","ok":true}],"confirmed":"yes","par":[{"child":42},{"p":1}]}`, "")
}
