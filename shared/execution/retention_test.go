package execution_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// retained is a service on a MemStore with a fake clock whose executions
// run only when the test calls Run, in account "acct".
type retained struct {
	ctx   context.Context
	store *kv.MemStore
	clock *fakeClock
	enq   *recordingEnqueuer
	svc   *execution.Service
	flow  *execution.Flow
}

func newRetained(t *testing.T) *retained {
	t.Helper()
	return newRetainedWith(t, execution.Options{})
}

// newRetainedWith is newRetained with opts (their clock, engine and
// enqueuer are the test's).
func newRetainedWith(t *testing.T, opts execution.Options) *retained {
	t.Helper()
	r := &retained{
		ctx:   auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"}),
		store: kv.NewMemStore(),
		clock: &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		enq:   &recordingEnqueuer{},
	}
	opts.Clock, opts.Engine, opts.Enqueuer = r.clock, openEngine(), r.enq
	r.svc = execution.New(r.store, opts)
	t.Cleanup(func() { _ = r.svc.Close() })
	r.flow = mustCreate(t, r.svc, r.ctx, "f")
	return r
}

// histKey is the key of a history chunk of execution name.
func (r *retained) histKey(name string) string {
	return "hist/acct/" + r.flow.ID + "/" + name + "/0000000000000000001"
}

// mapRunKey is the key of map run M-1 of execution name.
func (r *retained) mapRunKey(name string) string {
	return "maprun/acct/" + r.flow.ID + "/" + name + "/M-1"
}

// finished starts execution name, runs it to Succeeded and gives it a
// spilled history chunk.
func (r *retained) finished(t *testing.T, name string) *execution.Execution {
	t.Helper()
	if _, err := r.svc.StartExecution(r.ctx, execution.StartInput{FlowName: "f", ExecutionName: name}); err != nil {
		t.Fatalf("StartExecution(%s) = %v", name, err)
	}
	if err := r.svc.Run(r.ctx, execution.Ref{Account: "acct", FlowID: r.flow.ID, Name: name}); err != nil {
		t.Fatalf("Run(%s) = %v", name, err)
	}
	if _, err := r.store.PutIfAbsent(r.ctx, r.histKey(name), []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.PutIfAbsent(r.ctx, r.mapRunKey(name), []byte(`{"name":"M-1","status":"Succeeded"}`)); err != nil {
		t.Fatal(err)
	}
	e, err := r.svc.DescribeExecution(r.ctx, execution.DescribeInput{FlowName: "f", ExecutionName: name})
	if err != nil || e.Status != execution.Succeeded {
		t.Fatalf("DescribeExecution(%s) = %+v, %v, want Succeeded", name, e, err)
	}
	if want := e.StoppedTime.Add(execution.DefaultRetention).Unix(); e.ExpiresAt != want {
		t.Fatalf("ExpiresAt = %d, want %d", e.ExpiresAt, want)
	}
	return e
}

func TestService_Retention_ExpiredIsAbsent(t *testing.T) {
	r := newRetained(t)
	r.finished(t, "e")
	r.clock.Advance(31 * 24 * time.Hour)

	_, err := r.svc.DescribeExecution(r.ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"})
	if !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Fatalf("DescribeExecution = %v, want %v", err, execution.ErrExecutionNotFound)
	}
	_, _, err = r.svc.GetExecutionHistory(r.ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 10})
	if !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Fatalf("GetExecutionHistory = %v, want %v", err, execution.ErrExecutionNotFound)
	}
	list, next, err := r.svc.ListExecutions(r.ctx, execution.ListInput{FlowName: "f", Limit: 10})
	if err != nil || len(list) != 0 || next != "" {
		t.Fatalf("ListExecutions = %d executions, %q, %v, want none", len(list), next, err)
	}
	if _, err := r.svc.StopExecution(r.ctx, execution.StopInput{FlowName: "f", ExecutionName: "e"}); !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Fatalf("StopExecution = %v, want %v", err, execution.ErrExecutionNotFound)
	}

	// 50 starters race for the name: exactly one creates the execution,
	// the others get it back as the running execution of that name.
	r.enq.take()
	const n = 50
	var wg sync.WaitGroup
	got := make([]*execution.Execution, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = r.svc.StartExecution(r.ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("StartExecution #%d = %v", i, errs[i])
		}
		if got[i].Status != execution.Starting || got[i].ExpiresAt != 0 {
			t.Fatalf("StartExecution #%d = status %s, expiresAt %d, want a new Starting execution", i, got[i].Status, got[i].ExpiresAt)
		}
	}
	if refs := r.enq.take(); len(refs) != 1 {
		t.Fatalf("StartExecution enqueued %d executions, want 1", len(refs))
	}
	if _, err := r.store.Get(r.ctx, r.histKey("e")); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get(old history chunk) = %v, want %v", err, kv.ErrNotFound)
	}
	if _, err := r.store.Get(r.ctx, r.mapRunKey("e")); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get(old map run) = %v, want %v", err, kv.ErrNotFound)
	}
	e, err := r.svc.DescribeExecution(r.ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"})
	if err != nil || e.Status != execution.Starting || !e.StartedTime.Equal(r.clock.Now()) {
		t.Fatalf("DescribeExecution = %+v, %v, want the new Starting execution", e, err)
	}
}

func TestService_Retention_NotYetExpired(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration // 0 means the default
		age       time.Duration
	}{
		{name: "default, 29 days", age: 29 * 24 * time.Hour},
		{name: "one hour, 59 minutes", retention: time.Hour, age: 59 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			svc := execution.New(kv.NewMemStore(), execution.Options{Clock: clock, Engine: openEngine(), Enqueuer: &recordingEnqueuer{}, Retention: tc.retention})
			t.Cleanup(func() { _ = svc.Close() })
			ctx := context.Background()
			mustCreate(t, svc, ctx, "f")
			if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "e"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.age)
			if e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}); err != nil || e.Status != execution.Stopped {
				t.Fatalf("DescribeExecution = %+v, %v, want Stopped", e, err)
			}
			if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e"}); !errors.Is(err, execution.ErrExecutionExists) {
				t.Fatalf("StartExecution = %v, want %v", err, execution.ErrExecutionExists)
			}
			if _, err := svc.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}); err != nil {
				t.Fatalf("DescribeExecution after Recover = %v", err)
			}
		})
	}
}

func TestService_Recover_DeletesExpired(t *testing.T) {
	r := newRetained(t)
	r.finished(t, "old")
	r.clock.Advance(2 * 24 * time.Hour)
	r.finished(t, "recent")
	if _, err := r.svc.StartExecution(r.ctx, execution.StartInput{FlowName: "f", ExecutionName: "pending"}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(29 * 24 * time.Hour) // old ended 31 days ago, recent 29

	if _, err := r.svc.Recover(r.ctx); err != nil {
		t.Fatalf("Recover = %v", err)
	}
	execKey := func(name string) string { return "exec/acct/" + r.flow.ID + "/" + name }
	tests := []struct {
		key  string
		want error
	}{
		{key: execKey("old"), want: kv.ErrNotFound},
		{key: r.histKey("old"), want: kv.ErrNotFound},
		{key: r.mapRunKey("old"), want: kv.ErrNotFound},
		{key: execKey("recent")},
		{key: r.histKey("recent")},
		{key: r.mapRunKey("recent")},
		{key: execKey("pending")},
	}
	for _, tc := range tests {
		if _, err := r.store.Get(r.ctx, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("Get(%s) after Recover = %v, want %v", tc.key, err, tc.want)
		}
	}
}

// With MaxFinished 3, finishing a fourth and a fifth execution deletes the
// two oldest finished ones with their history and map runs, long before
// their retention ends; a stopped execution counts as finished, a pending one
// is never dropped.
func TestService_MaxFinished_DropsOldest(t *testing.T) {
	r := newRetainedWith(t, execution.Options{MaxFinished: 3})
	if _, err := r.svc.StartExecution(r.ctx, execution.StartInput{FlowName: "f", ExecutionName: "pending"}); err != nil {
		t.Fatal(err)
	}
	r.finished(t, "e0")
	r.finished(t, "e1")
	if _, err := r.svc.StartExecution(r.ctx, execution.StartInput{FlowName: "f", ExecutionName: "stopped"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.StopExecution(r.ctx, execution.StopInput{FlowName: "f", ExecutionName: "stopped"}); err != nil {
		t.Fatal(err)
	}
	r.finished(t, "e2") // e0 goes
	r.finished(t, "e3") // e1 goes
	execKey := func(name string) string { return "exec/acct/" + r.flow.ID + "/" + name }
	tests := []struct {
		key  string
		want error
	}{
		{key: execKey("e0"), want: kv.ErrNotFound},
		{key: r.histKey("e0"), want: kv.ErrNotFound},
		{key: r.mapRunKey("e0"), want: kv.ErrNotFound},
		{key: execKey("e1"), want: kv.ErrNotFound},
		{key: execKey("stopped")},
		{key: execKey("e2")},
		{key: r.histKey("e2")},
		{key: execKey("e3")},
		{key: execKey("pending")},
	}
	for _, tc := range tests {
		if _, err := r.store.Get(r.ctx, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("Get(%s) = %v, want %v", tc.key, err, tc.want)
		}
	}
	list, _, err := r.svc.ListExecutions(r.ctx, execution.ListInput{FlowName: "f", Limit: 10})
	if err != nil || len(list) != 4 {
		t.Errorf("ListExecutions = %d executions, %v; want 4 (three finished, one pending)", len(list), err)
	}
}
