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
		s := openBolt(t, kv.BoltOptions{NoSync: true})
		if on, max := kv.Grouping(s); !on || max != kv.DefaultBoltMaxGroup {
			t.Fatalf("Grouping = %v, %d; want true, %d (group commit is the default)", on, max, kv.DefaultBoltMaxGroup)
		}
		return s
	})
}

// TestBoltStore_Contract_Solo runs the suite with every write committed on
// its own (DB.Update).
func TestBoltStore_Contract_Solo(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s := openBolt(t, kv.BoltOptions{NoSync: true, Solo: true})
		if on, _ := kv.Grouping(s); on {
			t.Fatal("Grouping = true with Solo, want false")
		}
		return s
	})
}

// TestBoltStore_Contract_SmallGroups runs the suite with groups of at most
// two writes, so groups fill up and later writers wait for the next one.
func TestBoltStore_Contract_SmallGroups(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		return openBolt(t, kv.BoltOptions{NoSync: true, MaxGroup: 2})
	})
}
