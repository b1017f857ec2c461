package execution_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Recover hands every unfinished execution to the runner once, however
// many there are (the store is read page by page), and skips finished ones.
func TestService_Recover_EveryExecutionOnce(t *testing.T) {
	const n = 1001 // a few store pages' worth
	ctx := context.Background()
	enq := &recordingEnqueuer{}
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: openEngine(), Enqueuer: enq, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = svc.Close() })
	f := mustCreate(t, svc, ctx, "f")
	for i := range n {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: fmt.Sprintf("e%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"e0000", "e0500"} {
		if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
	}
	enq.take()
	got, err := svc.Recover(ctx)
	if err != nil || got != n-2 {
		t.Fatalf("Recover = %d, %v; want %d", got, err, n-2)
	}
	seen := map[string]bool{}
	for _, ref := range enq.take() {
		if ref.FlowID != f.ID || seen[ref.Name] {
			t.Fatalf("Recover enqueued %+v twice or of another flow", ref)
		}
		seen[ref.Name] = true
	}
	for i := range n {
		name := fmt.Sprintf("e%04d", i)
		if want := name != "e0000" && name != "e0500"; seen[name] != want {
			t.Errorf("execution %s enqueued: %v, want %v", name, seen[name], want)
		}
	}
}
