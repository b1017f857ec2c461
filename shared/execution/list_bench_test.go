package execution_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// listBenchEnv adds the 1,000,000-execution case to
// BenchmarkService_ListExecutions (filling it takes minutes, so CI skips it).
const listBenchEnv = "CLOUDFLOW_BENCH_LIST_1M"

// listBenchBase is the StartedTime of the first filled execution; each
// next one started a millisecond later.
var listBenchBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fillListBench returns a service on a fresh bbolt store holding n
// executions of flow "big": every tenth Running, the others Succeeded,
// named x0000000…, the newest with the highest number.
func fillListBench(b *testing.B, n int) *execution.Service {
	b.Helper()
	ctx := context.Background()
	store, err := kv.OpenBolt(b.TempDir(), kv.BoltOptions{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	svc := execution.New(store, execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	b.Cleanup(func() { _ = svc.Close(); _ = store.Close() })
	def := passChain("big", 3)
	f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "big", Definition: def})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const writers = 32 // concurrent writers share bbolt group commits
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				st := execution.Succeeded
				if i%10 == 0 {
					st = execution.Running
				}
				e := &execution.Execution{
					Name: fmt.Sprintf("x%07d", i), FlowName: "big", FlowID: f.ID, Account: auth.DefaultAccount,
					FlowDefinition: def, FlowMode: flow.Standard, Input: `{"n":1}`, Status: st,
					StartedTime: listBenchBase.Add(time.Duration(i) * time.Millisecond), NextEventID: 1,
				}
				if err := svc.CreateExecution(ctx, e); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.Logf("filled %d executions in %s", n, time.Since(start).Round(time.Millisecond))
	return svc
}

// BenchmarkService_ListExecutions times ListExecutions pages of 100 on
// bbolt holding 10,000 executions of one flow (and 1,000,000 with
// CLOUDFLOW_BENCH_LIST_1M=1): the first page unfiltered, with a Status that
// matches 10 % and 90 % of them and one that matches none, a page deep in
// the listing (NextToken), a time window and a name prefix.
//
//	go test -run '^$' -bench BenchmarkService_ListExecutions -benchtime 20x ./shared/execution/
func BenchmarkService_ListExecutions(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv(listBenchEnv) != "" {
		sizes = append(sizes, 1_000_000)
	}
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc := fillListBench(b, n)
			mid := listBenchBase.Add(time.Duration(n/2) * time.Millisecond)
			tests := []struct {
				name string
				in   execution.ListInput
				want int // executions on the page
			}{
				{"first", execution.ListInput{}, 100},
				{"status=Running", execution.ListInput{Status: execution.Running}, 100},
				{"status=Succeeded", execution.ListInput{Status: execution.Succeeded}, 100},
				{"status=Stopped(none)", execution.ListInput{Status: execution.Stopped}, 0},
				{"nexttoken=middle", execution.ListInput{NextToken: fmt.Sprintf("x%07d", n/2)}, 100},
				{"time=window", execution.ListInput{StartedTimeBegin: mid, StartedTimeEnd: mid.Add(time.Second)}, 100},
				{"prefix", execution.ListInput{NamePrefix: fmt.Sprintf("x%06d", n/20)}, 10},
			}
			for _, tc := range tests {
				b.Run(tc.name, func(b *testing.B) {
					in := tc.in
					in.FlowName, in.Limit = "big", 100
					for b.Loop() {
						page, _, err := svc.ListExecutions(ctx, in)
						if err != nil || len(page) != tc.want {
							b.Fatalf("ListExecutions(%+v) = %d executions, %v; want %d", in, len(page), err, tc.want)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
				})
			}
		})
	}
}

// BenchmarkService_StartExecution_Parallel starts executions (no run)
// from 64 goroutines on bbolt: the create, which also writes the two
// listing index entries in the same transaction, shares group commits.
// "synced" is the default store (disk-bound); "nosync" skips fsync, so it
// shows the CPU cost of the writes. Compare before/after the index with the
// same command:
//
//	go test -run '^$' -bench StartExecution_Parallel -benchmem ./shared/execution/
func BenchmarkService_StartExecution_Parallel(b *testing.B) {
	for _, nosync := range []bool{false, true} {
		name := map[bool]string{false: "synced", true: "nosync"}[nosync]
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			store, err := kv.OpenBolt(b.TempDir(), kv.BoltOptions{NoSync: nosync})
			if err != nil {
				b.Fatal(err)
			}
			svc := execution.New(store, execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
			b.Cleanup(func() { _ = svc.Close(); _ = store.Close() })
			if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "one", Definition: passChain("one", 1)}); err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(32) // 64 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "one"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "starts/s")
		})
	}
}
