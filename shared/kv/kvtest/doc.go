// Package kvtest is the contract test suite for the stores of package kv.
//
// Every store (MemStore, BoltStore, and later DynamoDB and Tablestore
// adapters) runs the same suite from its own tests:
//
//	func TestBoltStore_Contract(t *testing.T) {
//		kvtest.Run(t, func(t *testing.T) kvtest.Store {
//			s, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{NoSync: true})
//			if err != nil {
//				t.Fatalf("OpenBolt: %v", err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// open is called once per subtest and must return an empty store. The suite
// closes some stores itself, so Close must be safe to call twice.
//
// # What it checks
//
// Create and read, PutIfAbsent conflicts returning the existing item,
// CompareAndSwap success and stale versions, conditional and unconditional
// Delete, List ordering, prefix, after and limit (fixed cases plus a
// randomized comparison with a sorted model whose seed is logged), value
// isolation, key validation, cancelled contexts, ErrClosed after Close, and
// two races: 200 goroutines PutIfAbsent one key (exactly one wins, every
// loser sees the winner's value) and N goroutines incrementing a counter with
// CompareAndSwap (exactly N increments). Stores that also have an Update
// method get the Update tests too, and stores with an Apply method (the
// atomic multi-key write) the Apply tests: every operation kind at once, a
// failing condition writing nothing, malformed lists refused, and
// RaceAppliers goroutines each swapping a counter and creating an item in
// one Apply (no write of a lost round applied). A store whose server lacks
// the operation answers errors.ErrUnsupported and those tests skip. Run it
// under -race.
package kvtest
