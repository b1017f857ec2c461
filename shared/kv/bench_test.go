package kv_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// benchValue is about the size of a small execution record.
var benchValue = make([]byte, 512)

// benchStore is what the benchmarks need from a store.
type benchStore interface {
	PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error)
	CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error)
}

// benchStores are the stores the benchmarks run against. Bolt variants
// differ in fsync (sync: every commit reaches the disk, as in production) and
// in commits: group (the default: concurrent writers share a commit) or solo
// (every write commits alone with DB.Update).
func benchStores(b *testing.B) []struct {
	name string
	open func(b *testing.B) benchStore
} {
	bolt := func(opts kv.BoltOptions) func(b *testing.B) benchStore {
		return func(b *testing.B) benchStore { return openBolt(b, opts) }
	}
	return []struct {
		name string
		open func(b *testing.B) benchStore
	}{
		{"MemStore", func(b *testing.B) benchStore { return kv.NewMemStore() }},
		{"BoltStore/sync/group", bolt(kv.BoltOptions{})},
		{"BoltStore/sync/solo", bolt(kv.BoltOptions{Solo: true})},
		{"BoltStore/nosync/group", bolt(kv.BoltOptions{NoSync: true})},
		{"BoltStore/nosync/solo", bolt(kv.BoltOptions{NoSync: true, Solo: true})},
	}
}

// BenchmarkPutIfAbsent creates distinct keys from one goroutine.
func BenchmarkPutIfAbsent(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := s.PutIfAbsent(ctx, "exec/"+strconv.Itoa(i), benchValue); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutIfAbsent_Parallel creates distinct keys from many goroutines
// (8 per CPU), the case DB.Batch is for.
func BenchmarkPutIfAbsent_Parallel(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := context.Background()
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.PutIfAbsent(ctx, "exec/"+strconv.FormatInt(n.Add(1), 10), benchValue); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCompareAndSwap advances one key's version from one goroutine.
func BenchmarkCompareAndSwap(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := context.Background()
			it, err := s.PutIfAbsent(ctx, "exec/1", benchValue)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if it, err = s.CompareAndSwap(ctx, "exec/1", it.Version, benchValue); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompareAndSwap_Parallel has many goroutines each advance their
// own key (8 per CPU): independent executions changing state at once.
func BenchmarkCompareAndSwap_Parallel(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := context.Background()
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				key := "exec/" + strconv.FormatInt(n.Add(1), 10)
				it, err := s.PutIfAbsent(ctx, key, benchValue)
				if err != nil {
					b.Error(err)
					return
				}
				for pb.Next() {
					if it, err = s.CompareAndSwap(ctx, key, it.Version, benchValue); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
