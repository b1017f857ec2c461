package execution_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// BenchmarkService_Parked measures what parked executions cost, per
// execution: 20,000 executions of a 5 min Wait (the flow and names of
// .ci/bench-durable's parked runs) are started from 64 goroutines and run
// by the default Pool until every one is parked. It reports the Go heap
// they keep after a collection (heap-B/exec: on the memory store the
// records themselves, on bbolt the service's own), the bytes the store
// holds in keys and values by kind (exec: the record with its held
// history; xs: the listing index; xu: the due index; hist: history
// chunks; snap: flow snapshots), and on bbolt the data file's size
// (file-B/exec).
//
//	go test -run '^$' -bench Service_Parked -benchtime 1x ./shared/execution/
func BenchmarkService_Parked(b *testing.B) {
	const n = 20_000
	for _, st := range []string{"mem", "bolt"} {
		b.Run(st, func(b *testing.B) {
			for b.Loop() {
				dir := b.TempDir()
				var store execution.Store = kv.NewMemStore()
				if st == "bolt" {
					bs, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
					if err != nil {
						b.Fatal(err)
					}
					store = bs
				}
				before := inUseHeap()
				svc := parkN(b, store, n)
				b.ReportMetric(float64(inUseHeap()-before)/n, "heap-B/exec")
				items, err := store.List(context.Background(), "", "", 0)
				if err != nil {
					b.Fatal(err)
				}
				bytes := map[string]int{}
				for _, it := range items {
					kind, _, _ := strings.Cut(it.Key, "/")
					bytes[kind] += len(it.Key) + len(it.Value)
				}
				for _, kind := range []string{"exec", "xs", "xu", "hist", "snap"} {
					b.ReportMetric(float64(bytes[kind])/n, kind+"-B/exec")
				}
				_ = svc.Close()
				if c, ok := store.(interface{ Close() error }); ok {
					_ = c.Close()
				}
				if fi, err := os.Stat(filepath.Join(dir, kv.BoltFileName)); err == nil {
					b.ReportMetric(float64(fi.Size())/n, "file-B/exec")
				}
			}
		})
	}
}

// parkN starts n executions of a 5 min Wait on store and returns the
// service once all of them are parked.
func parkN(b *testing.B, store execution.Store, n int) *execution.Service {
	b.Helper()
	ctx := context.Background()
	svc := execution.New(store, execution.Options{Logger: quiet})
	def := "Type: StateMachine\nSpecVersion: v1\nName: bench-wait\nStartAt: A\nStates:\n  - Name: A\n    Type: Wait\n    Seconds: 300\n    End: true\n"
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "bench-wait", Definition: def}); err != nil {
		b.Fatal(err)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := range next {
				if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "bench-wait", ExecutionName: fmt.Sprintf("w%d", i), Input: "{}"}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for deadline := time.Now().Add(2 * time.Minute); svc.ParkedCount() < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d executions parked after 2 minutes", svc.ParkedCount(), n)
		}
	}
	return svc
}

// inUseHeap is the Go heap in use after a collection.
func inUseHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
