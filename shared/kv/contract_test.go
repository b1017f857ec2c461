package kv_test

import (
	"testing"

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
		return openBolt(t, kv.BoltOptions{NoSync: true})
	})
}

// TestBoltStore_Contract_NoBatch runs the suite with plain DB.Update writes,
// the path taken when batching is off.
func TestBoltStore_Contract_NoBatch(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s := openBolt(t, kv.BoltOptions{NoSync: true})
		kv.SetBatch(s, false)
		return s
	})
}
