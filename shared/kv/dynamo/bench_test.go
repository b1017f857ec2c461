package dynamo_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// benchServers runs fn as a sub-benchmark per server whose endpoint
// variable is set.
func benchServers(b *testing.B, fn func(b *testing.B, s *dynamo.Store)) {
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			endpoint := os.Getenv(srv.env)
			if endpoint == "" {
				b.Skipf("%s is not set: no %s server to benchmark", srv.env, srv.name)
			}
			fn(b, openStore(b, dynamo.NewLocalClient(endpoint)))
		})
	}
}

// BenchmarkStore_PutIfAbsent creates a new execution key per iteration: one
// conditional PutItem round trip.
func BenchmarkStore_PutIfAbsent(b *testing.B) {
	value := []byte(`{"status":"Running","input":"{}"}`)
	benchServers(b, func(b *testing.B, s *dynamo.Store) {
		ctx := context.Background()
		for i := 0; b.Loop(); i++ {
			if _, err := s.PutIfAbsent(ctx, "exec/acct/flow/run-"+strconv.Itoa(i), value); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStore_PutIfAbsent_Conflict measures the losing path: the
// condition fails and the existing item is returned (dynalite needs a
// second round trip for it).
func BenchmarkStore_PutIfAbsent_Conflict(b *testing.B) {
	value := []byte(`{"status":"Running"}`)
	benchServers(b, func(b *testing.B, s *dynamo.Store) {
		ctx := context.Background()
		if _, err := s.PutIfAbsent(ctx, "exec/acct/flow/run", value); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.PutIfAbsent(ctx, "exec/acct/flow/run", value); !errors.Is(err, kv.ErrConditionFailed) {
				b.Fatalf("PutIfAbsent(existing) error = %v, want %v", err, kv.ErrConditionFailed)
			}
		}
	})
}

// BenchmarkStore_CompareAndSwap advances one item's version per iteration,
// as every state change of an execution does.
func BenchmarkStore_CompareAndSwap(b *testing.B) {
	value := []byte(`{"status":"Running","state":"Pass1"}`)
	benchServers(b, func(b *testing.B, s *dynamo.Store) {
		ctx := context.Background()
		it, err := s.PutIfAbsent(ctx, "exec/acct/flow/run", value)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if it, err = s.CompareAndSwap(ctx, it.Key, it.Version, value); err != nil {
				b.Fatal(err)
			}
		}
	})
}
