package interp

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fakeClock advances instantly on Sleep, fires the Timeout timers it
// passes and records every pause.
type fakeClock = interptest.Clock

var _ Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock {
	return interptest.NewClock(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
}

// testTasks serves test actions:
//
//	Test:Echo   returns Parameters (or the state input when there are none)
//	Test:Fail   fails with Parameters.error / Parameters.cause
//	Test:Flaky  fails with Parameters.error while RetryCount < Parameters.failures, then returns {"attempt": RetryCount}
//	Test:Block  blocks until ctx is done
//	Test:Sleep  sleeps Parameters.seconds on the test clock, then returns {"slept": true}
type testTasks struct {
	clock *fakeClock // for Test:Sleep
	mu    sync.Mutex
	calls []TaskCall
}

func (tt *testTasks) Invoke(ctx context.Context, call TaskCall) (any, error) {
	tt.mu.Lock()
	tt.calls = append(tt.calls, call)
	tt.mu.Unlock()
	p, _ := call.Parameters.(map[string]any)
	switch call.Action {
	case "Test:Echo":
		if call.Parameters == nil {
			return call.Input, nil
		}
		return call.Parameters, nil
	case "Test:Fail":
		name, _ := p["error"].(string)
		cause, _ := p["cause"].(string)
		return nil, fmt.Errorf("wrapped: %w", &Error{Name: name, Detail: cause})
	case "Test:Flaky":
		n, _ := p["failures"].(int64)
		if int64(call.RetryCount) < n {
			name, _ := p["error"].(string)
			return nil, &Error{Name: name, Detail: "flaky"}
		}
		return map[string]any{"attempt": int64(call.RetryCount)}, nil
	case "Test:Block":
		<-ctx.Done()
		return nil, ctx.Err()
	case "Test:Sleep":
		n, _ := p["seconds"].(int64)
		if err := tt.clock.Sleep(ctx, time.Duration(n)*time.Second); err != nil {
			return nil, err
		}
		return map[string]any{"slept": true}, nil
	case "Test:Plain":
		return nil, fmt.Errorf("plain failure")
	case "FC:InvokeFunction", "FNF:StartExecution":
		return legacyInvoke(ctx, tt.clock, call) // legacy_helpers_test.go
	}
	return nil, &Error{Name: ErrorActionNotSupported, Detail: call.Action}
}

func (tt *testTasks) Calls() []TaskCall {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return append([]TaskCall(nil), tt.calls...)
}

// mustParse parses a test definition for the given mode.
func mustParse(t testing.TB, mode flow.Mode, src string) *flow.Flow {
	t.Helper()
	f, err := flow.Parse([]byte(src), flow.ParseOptions{Mode: mode})
	if err != nil {
		t.Fatalf("flow.Parse: %v", err)
	}
	return f
}

// runFlow runs src on input with a fake clock and the test tasks.
func runFlow(t testing.TB, src, input string) (Result, *fakeClock, *testTasks) {
	t.Helper()
	clock := newFakeClock()
	tasks := &testTasks{clock: clock}
	e := New(Options{Clock: clock, Tasks: tasks, UUID: func() string { return "00000000-0000-4000-8000-000000000000" }})
	res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{Name: "exec-1", Input: []byte(input)})
	return res, clock, tasks
}

// wantResult compares a result with the expected status, output (JSON, by
// value) and error.
func wantResult(t testing.TB, got Result, status Status, output, errName string) {
	t.Helper()
	if got.Status != status {
		t.Fatalf("Status = %s (error %q: %q), want %s", got.Status, got.Error, got.Cause, status)
	}
	if status == Succeeded {
		g, err := value.Decode(got.Output)
		if err != nil {
			t.Fatalf("output %s: %v", got.Output, err)
		}
		w, err := value.Decode([]byte(output))
		if err != nil {
			t.Fatalf("bad want %s: %v", output, err)
		}
		if !value.Equal(g, w) {
			t.Fatalf("Output = %s, want %s", got.Output, output)
		}
		return
	}
	if got.Error != errName {
		t.Fatalf("Error = %q (cause %q), want %q", got.Error, got.Cause, errName)
	}
}

const header = "Type: StateMachine\nSpecVersion: v1\nName: t\n"
