package interp

import (
	"context"
	"encoding/json"
	"testing"
	"time"
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
