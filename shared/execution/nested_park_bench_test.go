package execution_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// BenchmarkService_NestedWaitsParked starts 10,000 executions of a
// Parallel whose 2 branches each wait 60 s, on the real clock, and once
// all of them are parked reports what they cost the process: goroutines
// (beyond those before the starts), Go heap in use, and the process's RSS
// (Linux). Run it once per store:
//
//	go test -run '^$' -bench NestedWaitsParked -benchtime 1x ./shared/execution
func BenchmarkService_NestedWaitsParked(b *testing.B) {
	const n = 10_000
	def := strings.ReplaceAll(fmt.Sprintf(parallelWaitsFlow, "pw"), "Seconds: 30", "Seconds: 60")
	for _, st := range []string{"mem", "bolt"} {
		b.Run(st, func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				var store execution.Store = kv.NewMemStore()
				if st == "bolt" {
					s, err := kv.OpenBolt(b.TempDir(), kv.BoltOptions{NoSync: true})
					if err != nil {
						b.Fatal(err)
					}
					store = s
				}
				svc := execution.New(store, execution.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "pw", Definition: def}); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				base := runtime.NumGoroutine()
				start := time.Now()
				var wg sync.WaitGroup
				for c := range 16 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := c; i < n; i += 16 {
							if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "pw", ExecutionName: "e" + strconv.Itoa(i), Input: `{"i":1}`}); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				for deadline := time.Now().Add(50 * time.Second); svc.ParkedCount() < n; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						b.Fatalf("only %d of %d executions parked within 50 s", svc.ParkedCount(), n)
					}
				}
				parkedIn := time.Since(start)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(runtime.NumGoroutine()-base), "goroutines")
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
				b.ReportMetric(rssMB(), "rss-MB")
				b.ReportMetric(parkedIn.Seconds(), "s-to-park")
				_ = svc.Close()
				if c, ok := store.(io.Closer); ok {
					_ = c.Close()
				}
			}
		})
	}
}

// rssMB is the process's resident set (VmRSS) in MiB, 0 where /proc is
// missing.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			var kb float64
			if _, err := fmt.Sscan(string(rest), &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
