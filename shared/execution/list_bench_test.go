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
// executions of flow "big": every running-th Running (its lease free), the
// others Succeeded and kept for a year, named x0000000…, the newest with
// the highest number.
func fillListBench(b *testing.B, n, running int) *execution.Service {
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
				e := &execution.Execution{
					Name: fmt.Sprintf("x%07d", i), FlowName: "big", FlowID: f.ID, Account: auth.DefaultAccount,
					FlowDefinition: def, FlowMode: flow.Standard, Input: `{"n":1}`, Status: execution.Running,
					StartedTime: listBenchBase.Add(time.Duration(i) * time.Millisecond), NextEventID: 1,
				}
				if i%running != 0 {
					e.Status, e.ExpiresAt = execution.Succeeded, listBenchBase.AddDate(1, 0, 0).Unix()
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
// the listing (NextToken), a time window, and name prefixes that match 10
// executions, 1 % and 10 % of them (the names around the middle, which
// the newest-first index walk reaches only after half the entries) and
// all, alone and with Status and time filters.
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
			svc := fillListBench(b, n, 10)
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
				{"prefix(10)", execution.ListInput{NamePrefix: fmt.Sprintf("x%06d", n/20)}, 10},
				{"prefix(1%)", execution.ListInput{NamePrefix: namePrefix(n/2, n/100)}, 100},
				{"prefix(1%)+status=Running", execution.ListInput{NamePrefix: namePrefix(n/2, n/100), Status: execution.Running}, min(100, n/1000)},
				{"prefix(10%)+time=window", execution.ListInput{NamePrefix: namePrefix(n/2, n/10), StartedTimeBegin: mid.Add(-time.Second), StartedTimeEnd: mid.Add(time.Second)}, 100},
				{"prefix(all)", execution.ListInput{NamePrefix: "x"}, 100},
				{"prefix(all)+status=Succeeded", execution.ListInput{NamePrefix: "x", Status: execution.Succeeded}, 100},
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

// BenchmarkService_Recover times one sweep (Recover) on bbolt holding
// 10,000 executions of which 100 are unfinished (and 1,000,000 with
// CLOUDFLOW_BENCH_LIST_1M=1, of which 100 or 10,000): the rest finished and
// kept. Each pass enqueues the unfinished ones; before the due index it
// read every execution, now only the unfinished ones' entries and records.
//
//	go test -run '^$' -bench BenchmarkService_Recover -benchtime 20x ./shared/execution/
func BenchmarkService_Recover(b *testing.B) {
	type size struct{ n, unfinished int }
	sizes := []size{{10_000, 100}}
	if os.Getenv(listBenchEnv) != "" {
		sizes = append(sizes, size{1_000_000, 100}, size{1_000_000, 10_000})
	}
	ctx := context.Background()
	for _, sz := range sizes {
		b.Run(fmt.Sprintf("n=%d/unfinished=%d", sz.n, sz.unfinished), func(b *testing.B) {
			svc := fillListBench(b, sz.n, sz.n/sz.unfinished)
			if _, err := svc.Recover(ctx); err != nil { // the first pass also checks the flows
				b.Fatal(err)
			}
			for b.Loop() {
				if got, err := svc.Recover(ctx); err != nil || got != sz.unfinished {
					b.Fatalf("Recover = %d, %v; want the %d unfinished executions enqueued", got, err, sz.unfinished)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/sweep")
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

// BenchmarkService_StartExecution_Allocs starts executions (no run) one at
// a time on the memory store: the start path's own allocations, steady
// from run to run (on bbolt a group commit's allocations are shared by a
// varying number of starts).
//
//	go test -run '^$' -bench StartExecution_Allocs -benchtime 20000x ./shared/execution/
func BenchmarkService_StartExecution_Allocs(b *testing.B) {
	ctx := context.Background()
	svc := execution.New(kv.NewMemStore(), execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	b.Cleanup(func() { _ = svc.Close() })
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "one", Definition: passChain("one", 1)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "one"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkService_ListOthers times a page of 100 of the other listings
// with 1,000 and 10,000 items stored on bbolt: ListFlows, ListFlowVersions,
// ListFlowAliases (from the middle, by NextToken) and GetExecutionHistory
// (from the middle of an execution's history). Each reads its own key
// range from the token on (kv List with after and a limit), so a page
// costs the same at both sizes.
//
//	go test -run '^$' -bench ListOthers ./shared/execution/
func BenchmarkService_ListOthers(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			store, err := kv.OpenBolt(b.TempDir(), kv.BoltOptions{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			svc := execution.New(store, execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
			b.Cleanup(func() { _ = svc.Close(); _ = store.Close() })
			for i := range n {
				name := fmt.Sprintf("f%05d", i)
				if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: name, Definition: passChain(name, 1)}); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f00000"}); err != nil {
					b.Fatal(err)
				}
				alias := execution.AliasInput{FlowName: "f00000", Name: fmt.Sprintf("a%05d", i), Routes: []execution.Route{{Version: "1", Weight: 1}}}
				if _, err := svc.CreateFlowAlias(ctx, alias); err != nil {
					b.Fatal(err)
				}
			}
			f, err := svc.DescribeFlow(ctx, "f00000")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f00000", ExecutionName: "long"}); err != nil {
				b.Fatal(err)
			}
			w, err := svc.NewStepWriter(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: "long"})
			if err != nil {
				b.Fatal(err)
			}
			for w.Events() < int64(n) {
				if err := w.Step(ctx, 4); err != nil {
					b.Fatal(err)
				}
			}
			mid := fmt.Sprintf("%05d", n/2)
			tests := []struct {
				name string
				list func() (int, error)
			}{
				{"ListFlows", func() (int, error) {
					l, _, err := svc.ListFlows(ctx, execution.ListFlowsInput{Limit: 100, NextToken: "f" + mid})
					return len(l), err
				}},
				{"ListFlowVersions", func() (int, error) {
					l, _, err := svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f00000", Limit: 100, NextToken: int64(n / 2)})
					return len(l), err
				}},
				{"ListFlowAliases", func() (int, error) {
					l, _, err := svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f00000", Limit: 100, NextToken: "a" + mid})
					return len(l), err
				}},
				{"GetExecutionHistory", func() (int, error) {
					l, _, err := svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f00000", ExecutionName: "long", Limit: 100, NextToken: int64(n / 2)})
					return len(l), err
				}},
			}
			for _, tc := range tests {
				b.Run(tc.name, func(b *testing.B) {
					for b.Loop() {
						if got, err := tc.list(); err != nil || got != 100 {
							b.Fatalf("%s = %d items, %v; want 100", tc.name, got, err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
				})
			}
		})
	}
}

// namePrefix returns the prefix of the fill's names (x0000000…) that the
// matches names around x<i> have; matches is a power of ten.
func namePrefix(i, matches int) string {
	digits := 0
	for m := matches; m > 1; m /= 10 {
		digits++
	}
	name := fmt.Sprintf("x%07d", i)
	return name[:len(name)-digits]
}
