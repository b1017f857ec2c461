package action_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// newClock returns a fake interp.Clock: Sleep advances time at once and is
// recorded; Task Timeouts fire in its time.
func newClock() *interptest.Clock {
	return interptest.NewClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
}

const chargeFlow = `Type: StateMachine
SpecVersion: v1
Name: charge
StartAt: Charge
States:
  - Name: Charge
    Type: Task
    Action: FC:InvokeFunction
    Parameters:
      resourceArn: acs:fc:cn-hangzhou:1234567890:functions/charge/LATEST
      invocationType: Sync
    OutputConstructor:
      receipt.$: $Output.Body.receiptId
      retries.$: $Context.Current.RetryCount
    Retry:
      - Errors: [FC.ResourceThrottled]
        MaxAttempts: 2
        IntervalSeconds: 1
        BackoffRate: 2
    Catch:
      - Errors: [FnF.ALL]
        OutputConstructor:
          reason.$: $Context.Current.Error.Code
          detail.$: $Context.Current.Error.Detail
        Next: Refund
    End: true
  - Name: Refund
    Type: Pass
    End: true
`

func TestMock_Engine_RetryAndCatch(t *testing.T) {
	tests := []struct {
		name, mock string
		want       string
		sleeps     []time.Duration
	}{
		{
			name: "throttled twice then ok",
			mock: `
States:
  Charge:
    - {Error: FC.ResourceThrottled, Cause: busy}
    - {Error: FC.ResourceThrottled, Cause: busy}
    - Return: {Body: {receiptId: r-1}}
`,
			// 1 s, then 1 × 2 s before the second retry (reference 6.2).
			want: `{"receipt":"r-1","retries":2}`, sleeps: []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name:   "retries used up, then Catch",
			mock:   "Actions:\n  FC:InvokeFunction: {Error: FC.ResourceThrottled, Cause: still busy}\n",
			want:   `{"reason":"FC.ResourceThrottled","detail":"still busy"}`,
			sleeps: []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name: "other error caught at once",
			mock: "States:\n  Charge: [{Error: FC.Unknown, Cause: boom}, {Return: {Body: {receiptId: never}}}]\n",
			want: `{"reason":"FC.Unknown","detail":"boom"}`,
		},
		{
			name:   "delay on the clock",
			mock:   "States:\n  Charge: {Return: {Body: {receiptId: slow}}, Delay: 7}\n",
			want:   `{"receipt":"slow","retries":0}`,
			sleeps: []time.Duration{7 * time.Second},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			m, err := action.ParseMock([]byte(tc.mock), c)
			if err != nil {
				t.Fatal(err)
			}
			reg := action.NewRegistry(m, nil)
			f, err := flow.Parse([]byte(chargeFlow), flow.ParseOptions{KnownAction: func(string) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			res := interp.New(interp.Options{Clock: c, Tasks: reg}).Run(context.Background(), f, interp.Execution{Name: "e1", Input: []byte(`{}`)})
			if res.Status != interp.Succeeded {
				t.Fatalf("Status = %s (%s: %s), want Succeeded", res.Status, res.Error, res.Cause)
			}
			got, _ := value.Decode(res.Output)
			want, _ := value.Decode([]byte(tc.want))
			if !value.Equal(got, want) {
				t.Errorf("Output = %s, want %s", res.Output, tc.want)
			}
			if fmt.Sprint(c.Sleeps()) != fmt.Sprint(tc.sleeps) {
				t.Errorf("sleeps = %v, want %v", c.Sleeps(), tc.sleeps)
			}
		})
	}
}

func TestRegistry_Known_ParseRejectsUnknownAction(t *testing.T) {
	m, err := action.ParseMock([]byte("Actions: {HTTP:Request: {Return: {}}}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := action.NewRegistry(m, nil)
	if _, err := flow.Parse([]byte(chargeFlow), flow.ParseOptions{KnownAction: reg.Known}); err == nil {
		t.Fatal("flow.Parse accepted FC:InvokeFunction, which neither the mock nor a runner serves")
	}
}

func TestRegistry_Invoke_EngineActionNotSupported(t *testing.T) {
	f, err := flow.Parse([]byte(chargeFlow), flow.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := interp.New(interp.Options{Clock: newClock(), Tasks: action.NewRegistry(nil, nil)}).Run(context.Background(), f, interp.Execution{Name: "e1"})
	// The Catch (FnF.ALL) sees FnF.ActionNotSupported.
	got, _ := value.Decode(res.Output)
	reason, _ := got.(map[string]any)["reason"].(string)
	if res.Status != interp.Succeeded || reason != interp.ErrorActionNotSupported {
		t.Fatalf("Run = %s %s, want Succeeded with reason %s", res.Status, res.Output, interp.ErrorActionNotSupported)
	}
}

// TestMock_Engine_ConcurrentExecutions runs executions in parallel against
// one Mock; every one must retry twice (its own counters).
func TestMock_Engine_ConcurrentExecutions(t *testing.T) {
	m, err := action.ParseMock([]byte("States:\n  Charge: [{Error: FC.ResourceThrottled}, {Error: FC.ResourceThrottled}, {Return: {Body: {receiptId: ok}}}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := flow.Parse([]byte(chargeFlow), flow.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	e := interp.New(interp.Options{Clock: c, Tasks: action.NewRegistry(m, nil)})
	var wg sync.WaitGroup
	outs := make([]string, 16)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res := e.Run(context.Background(), f, interp.Execution{Name: fmt.Sprintf("e%d", i)})
			outs[i] = string(res.Output)
		}(i)
	}
	wg.Wait()
	want, _ := value.Decode([]byte(`{"receipt":"ok","retries":2}`))
	for i, o := range outs {
		got, _ := value.Decode([]byte(o))
		if !value.Equal(got, want) {
			t.Errorf("execution e%d output = %s, want {\"receipt\":\"ok\",\"retries\":2}", i, o)
		}
	}
}

// TestRegistry_Forget_EngineDropsCountersAtEnd runs the same execution name
// twice: the engine forgets the first run's counters when it ends, so the
// second run starts again from the first response, whether the run
// succeeded or failed.
func TestRegistry_Forget_EngineDropsCountersAtEnd(t *testing.T) {
	const src = `Type: StateMachine
SpecVersion: v1
Name: once
StartAt: T
States:
  - {Name: T, Type: Task, Action: Mock:Call, End: true}
`
	tests := []struct {
		name, mock string
		status     interp.Status
		output     string
	}{
		{name: "succeeded", mock: "States:\n  T: [{Return: {n: first}}, {Return: {n: second}}]\n", status: interp.Succeeded, output: `{"n":"first"}`},
		{name: "failed", mock: "States:\n  T: [{Error: Boom}, {Return: {n: second}}]\n", status: interp.Failed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := action.ParseMock([]byte(tc.mock), newClock())
			if err != nil {
				t.Fatal(err)
			}
			reg := action.NewRegistry(m, nil)
			f, err := flow.Parse([]byte(src), flow.ParseOptions{KnownAction: func(string) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			e := interp.New(interp.Options{Clock: newClock(), Tasks: reg})
			for run := 1; run <= 2; run++ {
				res := e.Run(context.Background(), f, interp.Execution{Name: "same"})
				if res.Status != tc.status || (tc.output != "" && string(res.Output) != tc.output) {
					t.Fatalf("run %d = %s %s (%s), want %s %s", run, res.Status, res.Output, res.Error, tc.status, tc.output)
				}
				if n := m.Calls("same", "T", "Mock:Call"); n != 0 {
					t.Errorf("run %d: Calls after the run = %d, want 0 (forgotten)", run, n)
				}
			}
		})
	}
}
