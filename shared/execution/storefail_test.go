package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// errDisk is the failure a faultStore injects.
var errDisk = errors.New("disk failure")

// faultStore is a real store whose operations fail with errDisk while they
// match the armed operation and key prefix, as a broken disk or an
// unreachable table fails some requests and not others. No real store can
// be made to fail one key prefix, hence the wrapper.
type faultStore struct {
	execution.Store
	mu     sync.Mutex
	op     string // "Get", "GetMany", "PutIfAbsent", "CompareAndSwap", "Delete" or "List"
	prefix string
}

// arm makes operation op fail on keys (for List, prefixes) starting with
// prefix; arm("", "") disarms.
func (f *faultStore) arm(op, prefix string) {
	f.mu.Lock()
	f.op, f.prefix = op, prefix
	f.mu.Unlock()
}

func (f *faultStore) fails(op, key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.op == op && strings.HasPrefix(key, f.prefix)
}

func (f *faultStore) Get(ctx context.Context, key string) (kv.Item, error) {
	if f.fails("Get", key) {
		return kv.Item{}, errDisk
	}
	return f.Store.Get(ctx, key)
}

func (f *faultStore) GetMany(ctx context.Context, keys []string) ([]kv.Item, error) {
	for _, key := range keys {
		if f.fails("GetMany", key) {
			return nil, errDisk
		}
	}
	return f.Store.GetMany(ctx, keys)
}

func (f *faultStore) PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error) {
	if f.fails("PutIfAbsent", key) {
		return kv.Item{}, errDisk
	}
	return f.Store.PutIfAbsent(ctx, key, value)
}

func (f *faultStore) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error) {
	if f.fails("CompareAndSwap", key) {
		return kv.Item{}, errDisk
	}
	return f.Store.CompareAndSwap(ctx, key, version, value)
}

func (f *faultStore) Delete(ctx context.Context, key string, version int64) error {
	if f.fails("Delete", key) {
		return errDisk
	}
	return f.Store.Delete(ctx, key, version)
}

func (f *faultStore) List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	if f.fails("List", prefix) {
		return nil, errDisk
	}
	return f.Store.List(ctx, prefix, after, limit)
}

// A store failure reaches the caller as itself (the API answers 500
// InternalError), never as a sentinel that blames the request: a flow or
// execution reported missing, an invalid argument or a conflict would send
// a client to re-create, fix or retry what is fine. Each row arms one
// operation on one kind of key (doc.go's key layout) and calls one use case
// that must read or write it.
func TestService_StoreFailure_IsNotAUserError(t *testing.T) {
	ctx := context.Background()
	bolt, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bolt.Close() })
	store := &faultStore{Store: bolt}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	svc := execution.New(store, execution.Options{Clock: clock, Engine: openEngine(), Enqueuer: &recordingEnqueuer{}, HistorySpillBytes: 1})
	t.Cleanup(func() { _ = svc.Close() })

	// Flow f: versions 1 (routed by alias a) and 2, schedule s, finished
	// execution e (with archived history) holding running map run M-1;
	// Express flow x.
	f := createFlow(t, svc, "f", "Count")
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "x", Definition: gateDef("x"), ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}); err != nil {
			t.Fatal(err)
		}
	}
	routes := []execution.Route{{Version: "1", Weight: 1}}
	if _, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "a", Routes: routes}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("@every 1s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Run(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "e"}); err != nil {
		t.Fatal(err)
	}
	rec, _ := json.Marshal(execution.MapRun{Name: "M-1", FlowName: "f", ExecutionName: "e", Status: maprun.Running, Concurrency: 1})
	if _, err := bolt.PutIfAbsent(ctx, "maprun/"+auth.DefaultAccount+"/"+f.ID+"/e/M-1", rec); err != nil {
		t.Fatal(err)
	}
	mapRun := execution.MapRunRef{FlowName: "f", ExecutionName: "e", MapRunName: "M-1"}
	if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "waiting"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		op, prefix string
		call       func() error
	}{
		{"CreateFlow", "PutIfAbsent", "flow/", func() error {
			return second(svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "g", Definition: gateDef("g")}))
		}},
		{"DescribeFlow", "Get", "flow/", func() error { return second(svc.DescribeFlow(ctx, "f")) }},
		{"UpdateFlow read", "Get", "flow/", func() error {
			return second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Description: ptr("d")}))
		}},
		{"UpdateFlow write", "CompareAndSwap", "flow/", func() error {
			return second(svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "f", Description: ptr("d")}))
		}},
		{"DeleteFlow read", "Get", "flow/", func() error { return svc.DeleteFlow(ctx, "f") }},
		{"DeleteFlow write", "Delete", "flow/", func() error { return svc.DeleteFlow(ctx, "f") }},
		{"ListFlows", "List", "flow/", func() error { return third(svc.ListFlows(ctx, execution.ListFlowsInput{Limit: 10})) }},
		{"ListFlows NextToken", "Get", "flow/", func() error {
			return third(svc.ListFlows(ctx, execution.ListFlowsInput{Limit: 10, NextToken: "f"}))
		}},

		{"StartExecution flow", "Get", "flow/", func() error {
			return second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "n"}))
		}},
		{"StartExecution create", "PutIfAbsent", "exec/", func() error {
			return second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "n"}))
		}},
		{"StartExecution version", "Get", "ver/", func() error {
			return second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "n", Qualifier: "1"}))
		}},
		{"StartExecution alias", "Get", "alias/", func() error {
			return second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "n", Qualifier: "a"}))
		}},
		{"StartSync flow", "Get", "flow/", func() error { return second(svc.StartSync(ctx, execution.StartInput{FlowName: "x"})) }},
		{"DescribeExecution flow", "Get", "flow/", func() error {
			return second(svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}))
		}},
		{"DescribeExecution", "Get", "exec/", func() error {
			return second(svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}))
		}},
		{"StopExecution flow", "Get", "flow/", func() error {
			return second(svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "waiting"}))
		}},
		{"StopExecution write", "CompareAndSwap", "exec/", func() error {
			return second(svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "waiting"}))
		}},
		{"ListExecutions", "List", "xs/", func() error {
			return third(svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10}))
		}},
		{"ListExecutions NextToken", "Get", "exec/", func() error {
			return third(svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10, NextToken: "e"}))
		}},
		{"GetExecutionHistory flow", "Get", "flow/", func() error {
			return third(svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 10}))
		}},
		{"GetExecutionHistory chunks", "List", "hist/", func() error {
			return third(svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 10}))
		}},
		{"ListExecutions records", "GetMany", "exec/", func() error {
			return third(svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10}))
		}},
		{"Recover", "List", "xu/", func() error { return second(svc.Recover(ctx)) }},
		{"Recover records", "GetMany", "exec/", func() error { return second(svc.Recover(ctx)) }},

		{"PublishFlowVersion counter", "CompareAndSwap", "flow/", func() error {
			return second(svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}))
		}},
		{"PublishFlowVersion write", "PutIfAbsent", "ver/", func() error {
			return second(svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}))
		}},
		{"DescribeFlowVersion flow", "Get", "flow/", func() error { return second(svc.DescribeFlowVersion(ctx, "f", "1")) }},
		{"DescribeFlowVersion", "Get", "ver/", func() error { return second(svc.DescribeFlowVersion(ctx, "f", "1")) }},
		{"ListFlowVersions flow", "Get", "flow/", func() error {
			return third(svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 10}))
		}},
		{"ListFlowVersions", "List", "ver/", func() error {
			return third(svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 10}))
		}},
		{"DeleteFlowVersion flow", "Get", "flow/", func() error { return svc.DeleteFlowVersion(ctx, "f", "2") }},
		{"DeleteFlowVersion mark", "CompareAndSwap", "ver/", func() error { return svc.DeleteFlowVersion(ctx, "f", "2") }},
		{"DeleteFlowVersion aliases", "List", "alias/", func() error { return svc.DeleteFlowVersion(ctx, "f", "2") }},
		{"DeleteFlowVersion delete", "Delete", "ver/", func() error { return svc.DeleteFlowVersion(ctx, "f", "2") }},

		{"CreateFlowAlias flow", "Get", "flow/", func() error {
			return second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "b", Routes: routes}))
		}},
		{"CreateFlowAlias routes", "Get", "ver/", func() error {
			return second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "b", Routes: routes}))
		}},
		{"CreateFlowAlias write", "PutIfAbsent", "alias/", func() error {
			return second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "b", Routes: routes}))
		}},
		{"UpdateFlowAlias read", "Get", "alias/", func() error {
			return second(svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "a", Description: ptr("d")}))
		}},
		{"UpdateFlowAlias write", "CompareAndSwap", "alias/", func() error {
			return second(svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "a", Description: ptr("d")}))
		}},
		{"DescribeFlowAlias flow", "Get", "flow/", func() error { return second(svc.DescribeFlowAlias(ctx, "f", "a")) }},
		{"DescribeFlowAlias", "Get", "alias/", func() error { return second(svc.DescribeFlowAlias(ctx, "f", "a")) }},
		{"DeleteFlowAlias flow", "Get", "flow/", func() error { return svc.DeleteFlowAlias(ctx, "f", "a") }},
		{"DeleteFlowAlias", "Delete", "alias/", func() error { return svc.DeleteFlowAlias(ctx, "f", "a") }},
		{"ListFlowAliases flow", "Get", "flow/", func() error {
			return third(svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 10}))
		}},
		{"ListFlowAliases", "List", "alias/", func() error {
			return third(svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 10}))
		}},
		{"ListFlowAliases NextToken", "Get", "alias/", func() error {
			return third(svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 10, NextToken: "a"}))
		}},

		{"CreateSchedule", "PutIfAbsent", "sched/", func() error {
			return second(svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "t", CronExpression: ptr("@every 1s")}))
		}},
		{"UpdateSchedule", "Get", "sched/", func() error {
			return second(svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", Description: ptr("d")}))
		}},
		{"DescribeSchedule", "Get", "sched/", func() error { return second(svc.DescribeSchedule(ctx, "f", "s")) }},
		{"DeleteSchedule flow", "Get", "flow/", func() error { return svc.DeleteSchedule(ctx, "f", "s") }},
		{"DeleteSchedule", "Delete", "sched/", func() error { return svc.DeleteSchedule(ctx, "f", "s") }},
		{"ListSchedules", "List", "sched/", func() error {
			return third(svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 10}))
		}},
		{"ListSchedules NextToken", "Get", "sched/", func() error {
			return third(svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 10, NextToken: "s"}))
		}},
		{"FireSchedules", "List", "sched/", func() error { return second(svc.FireSchedules(ctx, time.Time{}, clock.Now())) }},

		{"DescribeMapRun", "Get", "maprun/", func() error { return second(svc.DescribeMapRun(ctx, mapRun)) }},
		{"UpdateMapRun", "CompareAndSwap", "maprun/", func() error {
			return second(svc.UpdateMapRun(ctx, execution.UpdateMapRunInput{MapRunRef: mapRun, Settings: maprun.Settings{Concurrency: ptr(2)}}))
		}},
	}
	sentinels := []error{
		execution.ErrFlowNotFound, execution.ErrExecutionNotFound, execution.ErrInvalidArgument, execution.ErrConflict,
		execution.ErrFlowExists, execution.ErrExecutionExists, execution.ErrScheduleNotFound, execution.ErrMapRunNotFound,
		kv.ErrNotFound, kv.ErrConditionFailed,
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store.arm(tc.op, tc.prefix)
			err := tc.call()
			store.arm("", "")
			if !errors.Is(err, errDisk) {
				t.Fatalf("with %s on %s failing: error = %v, want the store's failure", tc.op, tc.prefix, err)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					t.Errorf("with %s on %s failing: error = %v, reported as %v", tc.op, tc.prefix, err, s)
				}
			}
		})
	}

	// Nothing the failed calls attempted took effect.
	// A publish whose version write failed leaves a gap in the numbering
	// (PublishFlowVersion's contract), no version.
	if fl, err := svc.DescribeFlow(ctx, "f"); err != nil || fl.Description != "" || fl.LastVersion != 3 {
		t.Errorf("flow f after failed writes = %+v, %v; want no description and 3 version numbers used", fl, err)
	}
	if vs, _, err := svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 10}); err != nil || len(vs) != 2 {
		t.Errorf("ListFlowVersions after failed publishes = %d versions, %v; want 2", len(vs), err)
	}
	for _, v := range []string{"1", "2"} {
		if _, err := svc.DescribeFlowVersion(ctx, "f", v); err != nil {
			t.Errorf("DescribeFlowVersion(%s) after failed deletes = %v", v, err)
		}
	}
	if _, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "c", Routes: []execution.Route{{Version: "2", Weight: 1}}}); err != nil {
		t.Errorf("an alias routing to version 2 after its failed deletes: %v", err)
	}
	if e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "waiting"}); err != nil || e.Status != execution.Starting {
		t.Errorf("execution after a failed stop = %+v, %v; want Starting", e, err)
	}
}

func third[A, B any](_ A, _ B, err error) error { return err }
