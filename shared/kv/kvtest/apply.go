package kvtest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// applier is the optional atomic multi-key write; stores that have it get
// the Apply tests. A store whose server lacks the operation (dynalite has
// no TransactWriteItems) returns errors.ErrUnsupported, and the tests skip.
type applier interface {
	Apply(ctx context.Context, ops []kv.Op) error
}

// RaceAppliers is how many goroutines each add 1 to a counter and create a
// log item in the same Apply.
const RaceAppliers = 30

// applyOf returns s's Apply, or skips t when s has none.
func applyOf(t *testing.T, s Store) applier {
	t.Helper()
	a, ok := s.(applier)
	if !ok {
		t.Skip("store has no Apply method")
	}
	err := a.Apply(context.Background(), []kv.Op{{Kind: kv.OpPut, Key: "probe", Value: []byte("p")}})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("store has no atomic multi-key write: %v", err)
	}
	if err != nil {
		t.Fatalf("Apply(Put probe): %v", err)
	}
	if err := s.Delete(context.Background(), "probe", 0); err != nil {
		t.Fatalf("Delete(probe): %v", err)
	}
	return a
}

// wantMissing fails t unless key does not exist.
func wantMissing(t *testing.T, s Store, key string) {
	t.Helper()
	if it, err := s.Get(context.Background(), key); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get(%q) = {%q, v%d}, %v; want ErrNotFound", key, it.Value, it.Version, err)
	}
}

// testApplyAll applies every kind of operation at once, then checks each.
func testApplyAll(t *testing.T, s Store) {
	a := applyOf(t, s)
	ctx := context.Background()
	mustPut(t, s, "swap", "s1")
	mustPut(t, s, "put-old", "p1")
	mustPut(t, s, "del", "d1")
	mustPut(t, s, "del-v", "v1")
	err := a.Apply(ctx, []kv.Op{
		{Kind: kv.OpCreate, Key: "new", Value: []byte("n1")},
		{Kind: kv.OpSwap, Key: "swap", Version: 1, Value: []byte("s2")},
		{Kind: kv.OpPut, Key: "put-new", Value: []byte("q1")},
		{Kind: kv.OpPut, Key: "put-old", Value: []byte("p2")},
		{Kind: kv.OpPut, Key: "put-empty", Value: nil},
		{Kind: kv.OpDelete, Key: "del"},
		{Kind: kv.OpDelete, Key: "del-v", Version: 1},
		{Kind: kv.OpDelete, Key: "del-missing"},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	wantItem(t, "Get(new)", mustGet(t, s, "new"), "new", "n1", 1)
	wantItem(t, "Get(swap)", mustGet(t, s, "swap"), "swap", "s2", 2)
	wantItem(t, "Get(put-new)", mustGet(t, s, "put-new"), "put-new", "q1", 1)
	wantItem(t, "Get(put-old)", mustGet(t, s, "put-old"), "put-old", "p2", 2)
	wantItem(t, "Get(put-empty)", mustGet(t, s, "put-empty"), "put-empty", "", 1)
	wantMissing(t, s, "del")
	wantMissing(t, s, "del-v")
	wantMissing(t, s, "del-missing")
	// The items Apply wrote take ordinary conditional writes afterwards.
	if _, err := s.CompareAndSwap(ctx, "swap", 2, []byte("s3")); err != nil {
		t.Fatalf("CompareAndSwap(swap, 2) after Apply: %v", err)
	}
}

// testApplyConditions checks that one failing condition writes nothing.
func testApplyConditions(t *testing.T, s Store) {
	a := applyOf(t, s)
	ctx := context.Background()
	mustPut(t, s, "have", "h1")
	tests := []struct {
		name string
		op   kv.Op
	}{
		{"CreateExisting", kv.Op{Kind: kv.OpCreate, Key: "have", Value: []byte("x")}},
		{"SwapStale", kv.Op{Kind: kv.OpSwap, Key: "have", Version: 7, Value: []byte("x")}},
		{"SwapMissing", kv.Op{Kind: kv.OpSwap, Key: "none", Version: 1, Value: []byte("x")}},
		{"DeleteStale", kv.Op{Kind: kv.OpDelete, Key: "have", Version: 7}},
		{"DeleteMissingVersion", kv.Op{Kind: kv.OpDelete, Key: "none", Version: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Apply(ctx, []kv.Op{
				{Kind: kv.OpCreate, Key: "side-" + tc.name, Value: []byte("s")},
				{Kind: kv.OpPut, Key: "have-put", Value: []byte(tc.name)},
				tc.op,
			})
			wantErr(t, "Apply", err, kv.ErrConditionFailed)
			wantMissing(t, s, "side-"+tc.name)
			wantMissing(t, s, "have-put")
			wantItem(t, "Get(have)", mustGet(t, s, "have"), "have", "h1", 1)
		})
	}
}

// testApplyInvalid checks that malformed operation lists are refused
// before anything is written, and not as lost conditions.
func testApplyInvalid(t *testing.T, s Store) {
	a := applyOf(t, s)
	ctx := context.Background()
	put := func(key string) kv.Op { return kv.Op{Kind: kv.OpPut, Key: key, Value: []byte("v")} }
	tooMany := make([]kv.Op, kv.MaxOps+1)
	for i := range tooMany {
		tooMany[i] = put("many-" + strconv.Itoa(i))
	}
	tests := []struct {
		name string
		ops  []kv.Op
	}{
		{"Empty", nil},
		{"TooMany", tooMany},
		{"DuplicateKey", []kv.Op{put("dup"), put("dup")}},
		{"EmptyKey", []kv.Op{put("ok"), put("")}},
		{"LongKey", []kv.Op{put("ok"), put(strings.Repeat("k", kv.MaxKeySize+1))}},
		{"UnknownKind", []kv.Op{put("ok"), {Kind: 99, Key: "bad"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Apply(ctx, tc.ops)
			if err == nil || errors.Is(err, kv.ErrConditionFailed) {
				t.Fatalf("Apply = %v, want a refusal that is not ErrConditionFailed", err)
			}
			for _, op := range tc.ops {
				if op.Key != "" && len(op.Key) <= kv.MaxKeySize {
					wantMissing(t, s, op.Key)
				}
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	wantErr(t, "Apply(cancelled)", a.Apply(cancelled, []kv.Op{put("c")}), context.Canceled)
}

// testRaceApply has RaceAppliers goroutines each add 1 to a counter and
// create their own log item in one Apply, retrying lost rounds: the
// counter ends at RaceAppliers and every log item exists once, so no
// operation of a lost round was applied and none of a won one was lost.
func testRaceApply(t *testing.T, s Store) {
	a := applyOf(t, s)
	ctx := context.Background()
	mustPut(t, s, "counter", "0")
	var wg sync.WaitGroup
	errs := make(chan error, RaceAppliers)
	for i := range RaceAppliers {
		wg.Go(func() {
			for {
				cur, err := s.Get(ctx, "counter")
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.Atoi(string(cur.Value))
				err = a.Apply(ctx, []kv.Op{
					{Kind: kv.OpSwap, Key: "counter", Version: cur.Version, Value: []byte(strconv.Itoa(n + 1))},
					{Kind: kv.OpCreate, Key: "log/" + strconv.Itoa(i), Value: []byte(strconv.Itoa(n))},
				})
				if !errors.Is(err, kv.ErrConditionFailed) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	wantItem(t, "Get(counter)", mustGet(t, s, "counter"), "counter", strconv.Itoa(RaceAppliers), RaceAppliers+1)
	logs, err := s.List(ctx, "log/", "", 0)
	if err != nil {
		t.Fatalf("List(log/): %v", err)
	}
	seen := map[string]bool{}
	for _, it := range logs {
		if seen[string(it.Value)] {
			t.Fatalf("two log items record counter value %s: an Apply lost its condition but wrote", it.Value)
		}
		seen[string(it.Value)] = true
	}
	if len(logs) != RaceAppliers {
		t.Fatalf("%d log items, want %d", len(logs), RaceAppliers)
	}
}
