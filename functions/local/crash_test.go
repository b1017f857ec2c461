package main

import (
	"context"
	"sync"
	"testing"
	"time"
)

// crashFlow builds its output from its input in Pass states around a Wait,
// so a repeated or skipped state shows in the output or the history.
const crashFlow = `Type: StateMachine
SpecVersion: v1
Name: crash
StartAt: Double
States:
  - Name: Double
    Type: Pass
    OutputConstructor:
      n.$: $Input.n
      twice.$: intAdd($Input.n, $Input.n)
    Next: Pause
  - Name: Pause
    Type: Wait
    Seconds: 3
    Next: Label
  - Name: Label
    Type: Pass
    OutputConstructor:
      n.$: $Input.n
      twice.$: $Input.twice
      label.$: format("item-{}", $Input.n)
    Next: Sum
  - Name: Sum
    Type: Pass
    OutputConstructor:
      label.$: $Input.label
      sum.$: intAdd($Input.twice, $Input.n)
    End: true
`

// crashStates are the states of crashFlow, each entered once per execution.
var crashStates = []string{"Double", "Pause", "Label", "Sum"}

// crashExecutions is how many executions the crash test runs.
const crashExecutions = 1000

// crashWorkers are the server's runners: a Wait parks its execution instead
// of holding one, so 1,000 executions through a 3 s Wait still finish in
// seconds (holding a runner each, they would take 1000 × 3 s / 8 = 375 s).
var crashWorkers = "CLOUDFLOW_WORKERS=8"

// TestLocal_CrashRecovery starts 1,000 Standard executions (Pass, a 3 s
// Wait, two more Pass states) on bbolt and kills the server with SIGKILL
// twice: during the start burst and during the Waits, restarting once after
// each kill. The server has 8 runners, so the Waits must park (a runner held
// through each Wait would need minutes). After the last restart every
// execution must succeed within 30 s
// with exactly the output its input determines, every name appears once in
// ListExecutions, and every history has gapless EventIds and enters no state
// twice.
func TestLocal_CrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs functions/local; skipped with -short")
	}
	bin := buildLocal(t)
	dir := t.TempDir()
	names := crashNames(crashExecutions)
	var acked sync.Map

	s := startServer(t, bin, dir, crashWorkers)
	createCrashFlow(t, s)
	// Kill 1: during the start burst.
	startAll(s, names, &acked, crashExecutions/3, s.kill)
	s.kill()
	t.Logf("kill 1 during the start burst: %d starts acknowledged", count(&acked))

	s = startServer(t, bin, dir, crashWorkers)
	startAll(s, names, &acked, 0, nil)
	if got := count(&acked); got != crashExecutions {
		t.Fatalf("after restart 1: %d of %d starts acknowledged", got, crashExecutions)
	}
	// Kill 2: during the Waits (the last starts are 3 s from their end).
	time.Sleep(500 * time.Millisecond)
	s.kill()
	t.Log("kill 2 during the Waits")

	s = startServer(t, bin, dir, crashWorkers)
	restarted := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	outputs, _ := waitOutputs(ctx, t, s, "crash", names)
	t.Logf("all %d executions finished %.1fs after the last restart", len(names), time.Since(restarted).Seconds())
	checkOutputs(t, names, outputs)
	checkListedOnce(t, s, names)
	checkHistories(t, s, "crash", names, crashStates)
}
