package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// tickFlow calls the test's counter with its execution's name, so every
// run of a tick's execution is counted.
const tickFlow = `Type: StateMachine
SpecVersion: v1
Name: tick
StartAt: Call
States:
  - Name: Call
    Type: Task
    Action: HTTP:Request
    Parameters:
      url: %s
      method: POST
      body:
        name.$: $Context.Execution.Name
    End: true
`

// scheduleLease is the lease of the schedule test's instances.
const scheduleLease = 2 * time.Second

// hitCounter counts the POSTs {"name": …} it receives, by name.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string]int
}

func (c *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		http.Error(w, "want {\"name\": …}", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.hits[body.Name]++
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (c *hitCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.hits))
	for k, v := range c.hits {
		out[k] = v
	}
	return out
}

// TestLocal_Schedules_TwoInstances_DynamoDB runs a schedule firing every
// second on two functions/local processes that share one DynamoDB Local
// table, as processes: both fire every tick, each tick's execution name
// (execution.TickName) is its conditional write. One instance is killed
// with SIGKILL and restarted while the other keeps firing: no tick is
// missed. Then both are killed, and after 3.5 s one is restarted: of the
// ticks missed while none ran, at most the most recent fires (decision
// 59). Every tick outside that gap starts exactly one execution, each
// execution succeeds, and the flow's task (an HTTP call to the test's
// counter) runs once per execution, or at most twice for an execution a
// kill interrupted (a step runs at least once).
func TestLocal_Schedules_TwoInstances_DynamoDB(t *testing.T) {
	endpoint, table := sharedTable(t, "schedules")
	bin := buildLocal(t)
	counter := &hitCounter{hits: map[string]int{}}
	target := httptest.NewServer(counter)
	defer target.Close()

	var all []*server // every process started, for their logs
	start := func() *server {
		s := startShared(t, bin, endpoint, table, scheduleLease)
		all = append(all, s)
		return s
	}
	a, b := start(), start()
	a.mustCall(t, "CreateFlow", map[string]string{
		"Name": "tick", "Type": "FDL", "ExecutionMode": "Standard", "Definition": fmt.Sprintf(tickFlow, target.URL), "Description": "schedule test",
	})
	a.mustCall(t, "CreateSchedule", map[string]string{"FlowName": "tick", "ScheduleName": "every", "CronExpression": "* * * * * *"})
	created := time.Now()

	time.Sleep(4 * time.Second)
	a.kill() // b keeps firing
	time.Sleep(1500 * time.Millisecond)
	a = start()
	time.Sleep(3 * time.Second)

	a.kill()
	b.kill()
	bothKilled := time.Now()
	time.Sleep(3500 * time.Millisecond)
	restarting := time.Now()
	b = start()
	restarted := time.Now()
	time.Sleep(3 * time.Second)
	b.mustCall(t, "UpdateSchedule", map[string]string{"FlowName": "tick", "ScheduleName": "every", "Enable": "false"})
	disabled := time.Now()
	time.Sleep(1500 * time.Millisecond) // a pass under way may still fire

	listed := listExecutions(t, b, "tick")
	var names []string
	fired := map[int64]bool{} // by tick time in Unix seconds
	for name, n := range listed {
		names = append(names, name)
		if n != 1 {
			t.Errorf("ListExecutions lists %s %d times, want once", name, n)
		}
		tick, err := time.Parse("20060102T150405Z", strings.TrimPrefix(name, "schedule-every-"))
		if err != nil || execution.TickName("every", tick) != name {
			t.Errorf("execution %q is not named for a tick of schedule every", name)
			continue
		}
		fired[tick.Unix()] = true
	}
	slices.Sort(names)

	// Every tick from creation to shortly before both instances died, and
	// from the restart to shortly before the disable, fired. (A tick fires
	// at the first pass at or after it, so a tick in the last seconds
	// before a kill or the disable may not have: a pass of a loaded
	// process can take longer than its one-second interval.)
	missing := func(from, to time.Time) {
		for tick := from.Truncate(time.Second).Add(time.Second); !tick.After(to); tick = tick.Add(time.Second) {
			if !fired[tick.Unix()] {
				t.Errorf("tick %s did not fire", tick.Format(time.TimeOnly))
			}
		}
	}
	missing(created, bothKilled.Add(-2*time.Second))
	missing(restarted, disabled.Add(-2*time.Second))
	var gap []string
	for sec := range fired {
		tick := time.Unix(sec, 0)
		switch {
		case tick.After(bothKilled) && !tick.After(restarting):
			gap = append(gap, tick.Format(time.TimeOnly))
		case tick.Before(created.Add(-time.Second)), tick.After(disabled.Add(time.Second)):
			t.Errorf("tick %s fired outside the schedule's life (%s to %s)", tick.Format(time.TimeOnly), created.Format(time.TimeOnly), disabled.Format(time.TimeOnly))
		}
	}
	if len(gap) > 1 {
		t.Errorf("ticks %v, missed while no instance ran (%s to %s), fired: want at most the most recent", gap, bothKilled.Format(time.TimeOnly), restarting.Format(time.TimeOnly))
	}
	t.Logf("%d ticks fired in %.1fs; of the ticks while no instance ran (%.1fs), fired late: %v", len(fired), disabled.Sub(created).Seconds(), restarting.Sub(bothKilled).Seconds(), gap)

	// Every tick's execution succeeds (those a kill interrupted are taken
	// over once their lease expired) and called the counter once, or twice
	// at most when its step was interrupted and run again.
	ctx, cancel := context.WithTimeout(context.Background(), scheduleLease+30*time.Second)
	defer cancel()
	_, _ = waitOutputs(ctx, t, b, "tick", names)
	resumed := map[string]int{}
	for _, s := range all {
		for name, n := range s.logs.executions("execution resumed") {
			resumed[name] += n
		}
	}
	hits := counter.snapshot()
	for _, name := range names {
		switch n := hits[name]; {
		case n == 1:
		case n == 2 && resumed[name] > 0:
			t.Logf("%s called the counter twice: its run was interrupted by a kill and resumed", name)
		default:
			t.Errorf("%s called the counter %d times, want once", name, n)
		}
	}
	for name := range hits {
		if listed[name] == 0 {
			t.Errorf("the counter was called by %s, which is not listed", name)
		}
	}
	checkHistories(t, b, "tick", names, []string{"Call"})
}
