package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestApp_LocalScheduler checks the wiring: the local server's scheduler
// fires an "@every 1s" schedule on the real clock, the tick runs to
// Succeeded with the Payload as input, and Close stops the scheduler.
func TestApp_LocalScheduler(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "hello", "Definition": fmt.Sprintf(passFlow, "hello"), "Description": "", "Type": "FDL"})
	mustCall(t, a.Handler, "CreateSchedule", map[string]string{"FlowName": "hello", "ScheduleName": "tick", "CronExpression": "@every 1s", "Payload": `{"name":"cron"}`})
	var out map[string]any
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && out == nil; time.Sleep(50 * time.Millisecond) {
		list := mustCall(t, a.Handler, "ListExecutions", map[string]string{"FlowName": "hello", "Status": "Succeeded"})
		if execs, _ := list["Executions"].([]any); len(execs) > 0 {
			out = execs[0].(map[string]any)
		}
	}
	if out == nil {
		t.Fatal("no schedule tick succeeded within 10s")
	}
	if name, _ := out["Name"].(string); !strings.HasPrefix(name, "schedule-tick-") || out["Output"] != `{"greeting":"cron"}` {
		t.Errorf("tick execution = %v, want schedule-tick-<time> with output greeting cron", out)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}
