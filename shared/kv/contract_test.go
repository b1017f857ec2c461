package kv_test

import (
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/kvtest"
)

// openBolt opens a BoltStore in a fresh temporary directory, closed when the
// test ends.
func openBolt(t testing.TB, opts kv.BoltOptions) *kv.BoltStore {
	t.Helper()
	s, err := kv.OpenBolt(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestMemStore_Contract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s := kv.NewMemStore()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestBoltStore_Contract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s := openBolt(t, kv.BoltOptions{NoSync: true})
		if on, _ := kv.Batching(s); on {
			t.Fatal("Batching = true without BatchDelay, want false")
		}
		return s
	})
}

// TestBoltStore_Contract_Batch runs the suite with writes coalesced by
// DB.Batch, whose functions may run more than once.
func TestBoltStore_Contract_Batch(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s := openBolt(t, kv.BoltOptions{NoSync: true, BatchDelay: 200 * time.Microsecond, BatchSize: 8})
		if on, size := kv.Batching(s); !on || size != 8 {
			t.Fatalf("Batching = %v, %d; want true, 8", on, size)
		}
		return s
	})
}
