package execution_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Executions of one flow definition share one stored snapshot of it: the
// records do not carry the definition, the environment or what their key
// says, yet DescribeExecution and ListExecutions show what each execution
// started with after UpdateFlow, also from a service that never saw the
// start (its cache is empty), and DeleteFlow removes the snapshots.
func TestService_StartExecution_SnapshotSharedByExecutions(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	svc := execution.New(store, execution.Options{Engine: openEngine(), Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = svc.Close() })
	env1, env2 := json.RawMessage(`{"Variables":{"stage":"one"}}`), json.RawMessage(`{"Variables":{"stage":"two"}}`)
	def1, def2 := gateDef("f", "first"), gateDef("f", "second")
	f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: def1, Environment: env1})
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string) {
		t.Helper()
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: name}); err != nil {
			t.Fatalf("StartExecution(%s) = %v", name, err)
		}
	}
	start("a")
	start("b")
	if _, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Definition: &def2, Environment: env2}); err != nil {
		t.Fatal(err)
	}
	start("c")
	snaps, err := store.List(ctx, "snap/", "", 0)
	if err != nil || len(snaps) != 2 {
		t.Fatalf("stored snapshots = %d, %v; want 2 (one per definition and environment)", len(snaps), err)
	}
	for _, name := range []string{"a", "b", "c"} {
		it, err := store.Get(ctx, "exec/"+auth.DefaultAccount+"/"+f.ID+"/"+name)
		if err != nil {
			t.Fatal(err)
		}
		for _, inline := range []string{"Test:Gate", "stage", f.ID, `"name"`, `"account"`} {
			if bytes.Contains(it.Value, []byte(inline)) {
				t.Errorf("record of %s holds %s: %s", name, inline, it.Value)
			}
		}
	}
	want := map[string][2]string{"a": {def1, string(env1)}, "b": {def1, string(env1)}, "c": {def2, string(env2)}}
	fresh := execution.New(store, execution.Options{Engine: openEngine(), Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = fresh.Close() })
	for _, s := range []*execution.Service{svc, fresh} {
		for name, w := range want {
			e, err := s.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: name})
			if err != nil {
				t.Fatal(err)
			}
			if e.Name != name || e.FlowID != f.ID || e.Account != auth.DefaultAccount || e.FlowDefinition != w[0] || string(e.Environment) != w[1] {
				t.Errorf("DescribeExecution(%s) = %s/%s/%s %q %s, want %s/%s/%s %q %s", name, e.Account, e.FlowID, e.Name,
					e.FlowDefinition, e.Environment, auth.DefaultAccount, f.ID, name, w[0], w[1])
			}
		}
		list, _, err := s.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10})
		if err != nil || len(list) != 3 {
			t.Fatalf("ListExecutions = %d, %v", len(list), err)
		}
		for _, e := range list {
			if e.FlowDefinition != want[e.Name][0] {
				t.Errorf("ListExecutions shows %s with definition %q, want %q", e.Name, e.FlowDefinition, want[e.Name][0])
			}
		}
	}
	if err := svc.DeleteFlow(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	if snaps, err := store.List(ctx, "snap/", "", 0); err != nil || len(snaps) != 0 {
		t.Errorf("snapshots after DeleteFlow = %d, %v; want none", len(snaps), err)
	}
}

// A record written before snapshots existed carries the definition, the
// environment and its own names inline: it reads and runs as before.
func TestService_Run_InlineRecord(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	svc := execution.New(store, execution.Options{Engine: openEngine(), Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = svc.Close() })
	f := mustCreate(t, svc, ctx, "f")
	def := gateDef("f", "as stored")
	inline, err := json.Marshal(map[string]any{
		"name": "old", "flowName": "f", "flowId": f.ID, "account": auth.DefaultAccount,
		"flowDefinition": def, "flowMode": "Standard", "environment": map[string]any{"Variables": map[string]string{"k": "v"}},
		"input": `{"n":1}`, "status": "Starting", "startedTime": "2026-01-02T03:04:05Z", "nextEventId": 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "old"}
	if _, err := store.PutIfAbsent(ctx, "exec/"+auth.DefaultAccount+"/"+f.ID+"/old", inline); err != nil {
		t.Fatal(err)
	}
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "old" || e.FlowID != f.ID || e.FlowDefinition != def || string(e.Environment) != `{"Variables":{"k":"v"}}` || e.Input != `{"n":1}` {
		t.Fatalf("DescribeExecution(old) = %+v", e)
	}
	if err := svc.Run(ctx, ref); err != nil {
		t.Fatal(err)
	}
	e, err = svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "old"})
	if err != nil || e.Status != execution.Succeeded || e.FlowDefinition != def {
		t.Fatalf("after Run: %+v, %v; want Succeeded with the inline definition", e, err)
	}
}

// On a store with Apply the record holds a short history (a parked
// execution's first step costs no key of its own); a long one moves to
// chunk keys, each at least 1 KiB, and reads back whole and in order.
func TestService_CommitEvents_HoldsShortHistory(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	svc := execution.New(store, execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = svc.Close() })
	const long = 40
	wait := "Type: StateMachine\nSpecVersion: v1\nName: w\nStartAt: A\nStates:\n  - {Name: A, Type: Wait, Seconds: 300, End: true}\n"
	fw, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "w", Definition: wait})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "chain", Definition: passChain("chain", long)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		flow string
		ref  execution.Ref
	}{{"w", execution.Ref{Account: auth.DefaultAccount, FlowID: fw.ID, Name: "parked"}}, {"chain", execution.Ref{Account: auth.DefaultAccount, FlowID: fc.ID, Name: "long"}}} {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: r.flow, ExecutionName: r.ref.Name}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Run(ctx, r.ref); err != nil {
			t.Fatal(err)
		}
	}
	parked, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "w", ExecutionName: "parked"})
	if err != nil || parked.Status != execution.Running || parked.WakeAt.IsZero() {
		t.Fatalf("parked = %+v, %v; want Running with a wake-up time", parked, err)
	}
	if chunks, _ := store.List(ctx, "hist/", "", 0); len(chunks) == 0 || strings.Contains(chunks[0].Key, "/parked/") {
		t.Errorf("history chunks = %v; want the long execution's only", keys(chunks))
	} else {
		for _, c := range chunks {
			if len(c.Value) < 1<<10 {
				t.Errorf("chunk %s holds %d bytes, want at least 1 KiB", c.Key, len(c.Value))
			}
		}
	}
	for _, r := range []struct{ flow, name string }{{"w", "parked"}, {"chain", "long"}} {
		evs, next, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: r.flow, ExecutionName: r.name, Limit: 1000})
		if err != nil || next != "" {
			t.Fatalf("GetExecutionHistory(%s) = %v, %q", r.name, err, next)
		}
		for i, ev := range evs {
			if ev.ID != int64(i+1) {
				t.Fatalf("%s: event %d has EventId %d (no gaps, in order)", r.name, i, ev.ID)
			}
		}
		if r.name == "long" && (len(evs) < 4*long || evs[len(evs)-1].Type != "ExecutionSucceeded") {
			t.Errorf("long history has %d events ending %+v, want every step's and ExecutionSucceeded", len(evs), evs[len(evs)-1])
		}
		if r.name == "parked" && fmt.Sprint(types(evs)) != "[ExecutionStarted StepEntered StepStarted]" {
			t.Errorf("parked history = %v", types(evs))
		}
	}
}

func keys(items []kv.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Key
	}
	return out
}

func types(evs []execution.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}
