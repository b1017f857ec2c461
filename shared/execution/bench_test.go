package execution_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// passChain returns a Standard flow of n Pass states.
func passChain(name string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Type: StateMachine\nSpecVersion: v1\nName: %s\nStartAt: S0\nStates:\n", name)
	for i := range n {
		if i == n-1 {
			fmt.Fprintf(&b, "  - {Name: S%d, Type: Pass, End: true}\n", i)
		} else {
			fmt.Fprintf(&b, "  - {Name: S%d, Type: Pass, Next: S%d}\n", i, i+1)
		}
	}
	return b.String()
}

func benchStores(b *testing.B) map[string]func() execution.Store {
	return map[string]func() execution.Store{
		"mem": func() execution.Store { return kv.NewMemStore() },
		"bolt": func() execution.Store {
			s, err := kv.OpenBolt(b.TempDir(), kv.BoltOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
}

// BenchmarkService_StartToSucceeded measures StartExecution → Succeeded for
// a 3-state Standard flow: the start write, the in-process runner (lease,
// one CAS per step, final write) and the long-poll wake-up.
func BenchmarkService_StartToSucceeded(b *testing.B) {
	for _, st := range []string{"mem", "bolt"} {
		b.Run(st, func(b *testing.B) {
			ctx := context.Background()
			svc := execution.New(benchStores(b)[st](), execution.Options{Workers: 2})
			b.Cleanup(func() { _ = svc.Close() })
			if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "three", Definition: passChain("three", 3)}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprintf("e%d", i)
				if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "three", ExecutionName: name, Input: `{"n":1}`}); err != nil {
					b.Fatal(err)
				}
				e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "three", ExecutionName: name, Wait: 10e9})
				if err != nil || e.Status != execution.Succeeded {
					b.Fatalf("execution %s = %+v, %v", name, e, err)
				}
			}
		})
	}
}

// BenchmarkService_Run_PerStep runs a 50-state Pass flow with Run and
// reports the cost per step; the "engine" case is the same flow through
// interp alone, so the difference is the per-step persistence (checkpoint,
// history events, lease renewal: one CompareAndSwap).
func BenchmarkService_Run_PerStep(b *testing.B) {
	const steps = 50
	src := passChain("chain", steps)
	b.Run("engine", func(b *testing.B) {
		f, err := flow.Parse([]byte(src), flow.ParseOptions{Name: "chain", Mode: flow.Standard})
		if err != nil {
			b.Fatal(err)
		}
		eng := interp.New(interp.Options{Recorder: discard{}})
		b.ResetTimer()
		for range b.N {
			if res := eng.Run(context.Background(), f, interp.Execution{Name: "x"}); res.Status != interp.Succeeded {
				b.Fatal(res)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
	})
	for _, st := range []string{"mem", "bolt"} {
		b.Run(st, func(b *testing.B) {
			ctx := context.Background()
			svc := execution.New(benchStores(b)[st](), execution.Options{Enqueuer: &recordingEnqueuer{}})
			b.Cleanup(func() { _ = svc.Close() })
			f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "chain", Definition: src})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				name := fmt.Sprintf("e%d", i)
				if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "chain", ExecutionName: name}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := svc.Run(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: name}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
		})
	}
}

type discard struct{}

func (discard) Record(string, interp.Event) {}

// BenchmarkService_StepWrite_HistoryLength times the record write of one
// step (4 history events, appended with the checkpoint and the renewed
// lease in one compare-and-swap, as Run does) on executions that already
// hold about 10 and about 1,000 events: the cost must not grow with the
// history. A fresh execution is filled to the history length (untimed)
// every 8 steps for 10 events and every 250 steps for 1,000 (so that case
// measures histories of 1,000 to 2,000 events). bbolt is synced, as in
// production.
//
//	go test -run '^$' -bench StepWrite_HistoryLength -benchmem ./shared/execution/
func BenchmarkService_StepWrite_HistoryLength(b *testing.B) {
	const perStep = 4
	for _, st := range []string{"mem", "bolt"} {
		for _, history := range []int{10, 1000} {
			b.Run(fmt.Sprintf("%s/events=%d", st, history), func(b *testing.B) {
				ctx := context.Background()
				svc := execution.New(benchStores(b)[st](), execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
				b.Cleanup(func() { _ = svc.Close() })
				f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "one", Definition: passChain("one", 1)})
				if err != nil {
					b.Fatal(err)
				}
				var w *execution.StepWriter
				restart := max(8, history/perStep)
				b.ResetTimer()
				for i := range b.N {
					if i%restart == 0 {
						b.StopTimer()
						name := fmt.Sprintf("e%d", i)
						if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "one", ExecutionName: name}); err != nil {
							b.Fatal(err)
						}
						if w, err = svc.NewStepWriter(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: name}); err != nil {
							b.Fatal(err)
						}
						for w.Events() < int64(history) {
							if err := w.Step(ctx, 2); err != nil {
								b.Fatal(err)
							}
						}
						b.StartTimer()
					}
					if err := w.Step(ctx, perStep); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
