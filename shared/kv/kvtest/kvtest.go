package kvtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Store is the store contract the suite checks; kv.MemStore and kv.BoltStore
// satisfy it.
type Store interface {
	Get(ctx context.Context, key string) (kv.Item, error)
	GetMany(ctx context.Context, keys []string) ([]kv.Item, error)
	PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error)
	CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error)
	Delete(ctx context.Context, key string, version int64) error
	List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error)
	Close() error
}

// updater is the optional read-modify-write helper; stores that have it get
// the Update tests.
type updater interface {
	Update(ctx context.Context, key string, fn func(cur kv.Item, exists bool) ([]byte, error)) (kv.Item, error)
}

// Sizes of the concurrency tests.
const (
	// RacePutters is how many goroutines race PutIfAbsent on one key.
	RacePutters = 200
	// RaceIncrementers is how many goroutines each add 1 to one counter
	// with CompareAndSwap (or Update).
	RaceIncrementers = 50
)

// Run runs the whole contract suite against the stores open returns, with a
// seed for the randomized tests taken from the clock. The seed is logged;
// pass it to RunSeed to replay a failure.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	RunSeed(t, open, uint64(time.Now().UnixNano()))
}

// RunSeed is Run with a fixed seed for the randomized tests.
func RunSeed(t *testing.T, open func(t *testing.T) Store, seed uint64) {
	t.Helper()
	t.Logf("kvtest seed %d (replay with kvtest.RunSeed)", seed)
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Get_Missing", testGetMissing},
		{"GetMany_Cases", testGetManyCases},
		{"GetMany_Batches", testGetManyBatches},
		{"PutIfAbsent_Create", testPutIfAbsentCreate},
		{"PutIfAbsent_Exists", testPutIfAbsentExists},
		{"PutIfAbsent_EmptyValue", testPutIfAbsentEmptyValue},
		{"CompareAndSwap_Success", testCompareAndSwapSuccess},
		{"CompareAndSwap_Stale", testCompareAndSwapStale},
		{"CompareAndSwap_Missing", testCompareAndSwapMissing},
		{"Delete_Conditions", testDeleteConditions},
		{"List_Cases", testListCases},
		{"List_Random", func(t *testing.T, s Store) { testListRandom(t, s, seed) }},
		{"ValueIsolation", testValueIsolation},
		{"InvalidKey", testInvalidKey},
		{"CanceledContext", testCanceledContext},
		{"Closed", testClosed},
		{"Race_PutIfAbsent", testRacePutIfAbsent},
		{"Race_CompareAndSwap", testRaceCompareAndSwap},
		{"Update", testUpdate},
		{"Race_Update", testRaceUpdate},
		{"Apply_All", testApplyAll},
		{"Apply_Conditions", testApplyConditions},
		{"Apply_Invalid", testApplyInvalid},
		{"Race_Apply", testRaceApply},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

// wantItem fails t unless got has the wanted key, value and version.
func wantItem(t *testing.T, call string, got kv.Item, key, value string, version int64) {
	t.Helper()
	if got.Key != key || string(got.Value) != value || got.Version != version {
		t.Fatalf("%s = {%q, %q, v%d}, want {%q, %q, v%d}", call, got.Key, got.Value, got.Version, key, value, version)
	}
}

// wantErr fails t unless errors.Is(err, want).
func wantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s error = %v, want %v", call, err, want)
	}
}

// mustGet reads key and fails t on any error.
func mustGet(t *testing.T, s Store, key string) kv.Item {
	t.Helper()
	it, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return it
}

// mustPut creates key and fails t on any error.
func mustPut(t *testing.T, s Store, key, value string) kv.Item {
	t.Helper()
	it, err := s.PutIfAbsent(context.Background(), key, []byte(value))
	if err != nil {
		t.Fatalf("PutIfAbsent(%q): %v", key, err)
	}
	return it
}

func testGetMissing(t *testing.T, s Store) {
	_, err := s.Get(context.Background(), "missing")
	wantErr(t, `Get("missing")`, err, kv.ErrNotFound)
}

func testPutIfAbsentCreate(t *testing.T, s Store) {
	it := mustPut(t, s, "flow/a", `{"n":1}`)
	wantItem(t, "PutIfAbsent", it, "flow/a", `{"n":1}`, 1)
	wantItem(t, "Get", mustGet(t, s, "flow/a"), "flow/a", `{"n":1}`, 1)
}

func testPutIfAbsentExists(t *testing.T, s Store) {
	mustPut(t, s, "k", "first")
	it, err := s.PutIfAbsent(context.Background(), "k", []byte("second"))
	wantErr(t, "PutIfAbsent(existing)", err, kv.ErrConditionFailed)
	wantItem(t, "PutIfAbsent(existing) item", it, "k", "first", 1)
	wantItem(t, "Get after conflict", mustGet(t, s, "k"), "k", "first", 1)
}

func testPutIfAbsentEmptyValue(t *testing.T, s Store) {
	for _, v := range [][]byte{nil, {}} {
		key := fmt.Sprintf("empty-%v", v == nil)
		it, err := s.PutIfAbsent(context.Background(), key, v)
		if err != nil {
			t.Fatalf("PutIfAbsent(%q, %#v): %v", key, v, err)
		}
		wantItem(t, "PutIfAbsent(empty)", it, key, "", 1)
		wantItem(t, "Get(empty)", mustGet(t, s, key), key, "", 1)
	}
}

func testCompareAndSwapSuccess(t *testing.T, s Store) {
	ctx := context.Background()
	mustPut(t, s, "k", "v1")
	it, err := s.CompareAndSwap(ctx, "k", 1, []byte("v2"))
	if err != nil {
		t.Fatalf("CompareAndSwap(v1): %v", err)
	}
	wantItem(t, "CompareAndSwap(1)", it, "k", "v2", 2)
	it, err = s.CompareAndSwap(ctx, "k", 2, []byte("v3"))
	if err != nil {
		t.Fatalf("CompareAndSwap(v2): %v", err)
	}
	wantItem(t, "CompareAndSwap(2)", it, "k", "v3", 3)
	wantItem(t, "Get", mustGet(t, s, "k"), "k", "v3", 3)
}

func testCompareAndSwapStale(t *testing.T, s Store) {
	ctx := context.Background()
	mustPut(t, s, "k", "v1")
	if _, err := s.CompareAndSwap(ctx, "k", 1, []byte("v2")); err != nil {
		t.Fatalf("CompareAndSwap(1): %v", err)
	}
	for _, stale := range []int64{1, 3, 0, -1} {
		it, err := s.CompareAndSwap(ctx, "k", stale, []byte("lost"))
		call := fmt.Sprintf("CompareAndSwap(version %d)", stale)
		wantErr(t, call, err, kv.ErrConditionFailed)
		wantItem(t, call+" item", it, "k", "v2", 2)
	}
	wantItem(t, "Get after stale writes", mustGet(t, s, "k"), "k", "v2", 2)
}

func testCompareAndSwapMissing(t *testing.T, s Store) {
	_, err := s.CompareAndSwap(context.Background(), "missing", 1, []byte("x"))
	wantErr(t, "CompareAndSwap(missing)", err, kv.ErrNotFound)
	_, err = s.Get(context.Background(), "missing")
	wantErr(t, "Get after CompareAndSwap(missing)", err, kv.ErrNotFound)
}

func testDeleteConditions(t *testing.T, s Store) {
	ctx := context.Background()
	wantErr(t, "Delete(missing)", s.Delete(ctx, "missing", 0), kv.ErrNotFound)
	wantErr(t, "Delete(missing, 1)", s.Delete(ctx, "missing", 1), kv.ErrNotFound)

	// Conditional delete: a stale version loses and keeps the item.
	mustPut(t, s, "cond", "a")
	if _, err := s.CompareAndSwap(ctx, "cond", 1, []byte("b")); err != nil {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	wantErr(t, "Delete(cond, 1)", s.Delete(ctx, "cond", 1), kv.ErrConditionFailed)
	wantItem(t, "Get after failed Delete", mustGet(t, s, "cond"), "cond", "b", 2)
	if err := s.Delete(ctx, "cond", 2); err != nil {
		t.Fatalf("Delete(cond, 2): %v", err)
	}
	_, err := s.Get(ctx, "cond")
	wantErr(t, "Get after Delete", err, kv.ErrNotFound)
	wantErr(t, "Delete twice", s.Delete(ctx, "cond", 2), kv.ErrNotFound)

	// Unconditional delete, then the key starts over at version 1.
	mustPut(t, s, "free", "a")
	if _, err := s.CompareAndSwap(ctx, "free", 1, []byte("b")); err != nil {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	if err := s.Delete(ctx, "free", 0); err != nil {
		t.Fatalf("Delete(free, 0): %v", err)
	}
	wantItem(t, "PutIfAbsent after Delete", mustPut(t, s, "free", "c"), "free", "c", 1)
	items, err := s.List(ctx, "", "", 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := keysOf(items); !slices.Equal(got, []string{"free"}) {
		t.Fatalf("List after deletes = %q, want [free]", got)
	}
}

func keysOf(items []kv.Item) []string {
	keys := make([]string, 0, len(items))
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	return keys
}

func testListCases(t *testing.T, s Store) {
	// Byte order: "B" (0x42) < "a" (0x61); "a/1" < "a/10" < "a/2"; "a/é" (0xc3)
	// after "a/z".
	keys := []string{"a/2", "B", "a/10", "a/é", "a", "a/1", "b/1", "ab", "a/z"}
	for i, k := range keys {
		mustPut(t, s, k, "v"+strconv.Itoa(i))
	}
	tests := []struct {
		name          string
		prefix, after string
		limit         int
		want          []string
	}{
		{"all", "", "", 0, []string{"B", "a", "a/1", "a/10", "a/2", "a/z", "a/é", "ab", "b/1"}},
		{"negative limit", "", "", -1, []string{"B", "a", "a/1", "a/10", "a/2", "a/z", "a/é", "ab", "b/1"}},
		{"prefix", "a/", "", 0, []string{"a/1", "a/10", "a/2", "a/z", "a/é"}},
		{"prefix equals a key", "a", "", 0, []string{"a", "a/1", "a/10", "a/2", "a/z", "a/é", "ab"}},
		{"after existing key", "a/", "a/10", 0, []string{"a/2", "a/z", "a/é"}},
		{"after missing key", "a/", "a/11", 0, []string{"a/2", "a/z", "a/é"}},
		{"after before prefix", "a/", "A", 0, []string{"a/1", "a/10", "a/2", "a/z", "a/é"}},
		{"after past prefix", "a/", "b", 0, nil},
		{"after last", "", "b/1", 0, nil},
		{"limit", "a/", "", 2, []string{"a/1", "a/10"}},
		{"limit page 2", "a/", "a/10", 2, []string{"a/2", "a/z"}},
		{"limit larger than result", "b", "", 10, []string{"b/1"}},
		{"no match", "c", "", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := s.List(context.Background(), tc.prefix, tc.after, tc.limit)
			if err != nil {
				t.Fatalf("List(%q, %q, %d): %v", tc.prefix, tc.after, tc.limit, err)
			}
			if got := keysOf(items); !slices.Equal(got, tc.want) {
				t.Fatalf("List(%q, %q, %d) = %q, want %q", tc.prefix, tc.after, tc.limit, got, tc.want)
			}
			for _, it := range items {
				want := "v" + strconv.Itoa(slices.Index(keys, it.Key))
				if string(it.Value) != want || it.Version != 1 {
					t.Fatalf("List item %q = (%q, v%d), want (%q, v1)", it.Key, it.Value, it.Version, want)
				}
			}
		})
	}
}

// testListRandom compares List with a sorted model on random keys and
// queries over a small alphabet, so prefixes and neighbours collide often.
func testListRandom(t *testing.T, s Store, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	word := func(maxLen int) string {
		var b strings.Builder
		for n := rng.IntN(maxLen + 1); n > 0; n-- {
			b.WriteByte("ab/\xff"[rng.IntN(4)])
		}
		return b.String()
	}
	model := map[string]bool{}
	for range 60 {
		k := word(5)
		if k == "" || model[k] {
			continue
		}
		model[k] = true
		mustPut(t, s, k, k)
	}
	// Delete a few so deleted keys are absent from listings.
	for k := range model {
		if rng.IntN(5) == 0 {
			if err := s.Delete(ctx, k, 0); err != nil {
				t.Fatalf("seed %d: Delete(%q): %v", seed, k, err)
			}
			delete(model, k)
		}
	}
	var sorted []string
	resort := func() {
		sorted = sorted[:0]
		for k := range model {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
	}
	resort()
	for q := range 300 {
		if q%10 == 9 {
			// Change the store between queries: create one key and delete
			// another, so listings follow writes made after earlier lists.
			if k := word(5); k != "" && !model[k] {
				model[k] = true
				mustPut(t, s, k, k)
			}
			if len(sorted) > 0 {
				k := sorted[rng.IntN(len(sorted))]
				if err := s.Delete(ctx, k, 1); err != nil {
					t.Fatalf("seed %d: Delete(%q): %v", seed, k, err)
				}
				delete(model, k)
			}
			resort()
		}
		prefix, after, limit := word(2), word(4), rng.IntN(6)-1
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) && k > after && (limit <= 0 || len(want) < limit) {
				want = append(want, k)
			}
		}
		items, err := s.List(ctx, prefix, after, limit)
		if err != nil {
			t.Fatalf("seed %d: List(%q, %q, %d): %v", seed, prefix, after, limit, err)
		}
		if got := keysOf(items); !slices.Equal(got, want) {
			t.Fatalf("seed %d: List(%q, %q, %d) = %q, want %q", seed, prefix, after, limit, got, want)
		}
	}
}

func testValueIsolation(t *testing.T, s Store) {
	ctx := context.Background()
	in := []byte("original")
	put, err := s.PutIfAbsent(ctx, "k", in)
	if err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	scribble(in)
	scribble(put.Value)
	got := mustGet(t, s, "k")
	wantItem(t, "Get after mutating PutIfAbsent input and result", got, "k", "original", 1)
	scribble(got.Value)
	lost, _ := s.PutIfAbsent(ctx, "k", []byte("other"))
	scribble(lost.Value)
	items, err := s.List(ctx, "", "", 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %d items, %v; want 1 item", len(items), err)
	}
	scribble(items[0].Value)
	wantItem(t, "Get after mutating Get, conflict and List results", mustGet(t, s, "k"), "k", "original", 1)

	in2 := []byte("swapped")
	cas, err := s.CompareAndSwap(ctx, "k", 1, in2)
	if err != nil {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	scribble(in2)
	scribble(cas.Value)
	stale, _ := s.CompareAndSwap(ctx, "k", 1, []byte("lost"))
	scribble(stale.Value)
	wantItem(t, "Get after mutating CompareAndSwap input and results", mustGet(t, s, "k"), "k", "swapped", 2)
}

func testInvalidKey(t *testing.T, s Store) {
	ctx := context.Background()
	long := strings.Repeat("k", kv.MaxKeySize+1)
	for _, key := range []string{"", long} {
		name := fmt.Sprintf("key of %d bytes", len(key))
		_, err := s.Get(ctx, key)
		wantErr(t, "Get("+name+")", err, kv.ErrInvalidKey)
		_, err = s.PutIfAbsent(ctx, key, []byte("v"))
		wantErr(t, "PutIfAbsent("+name+")", err, kv.ErrInvalidKey)
		_, err = s.CompareAndSwap(ctx, key, 1, []byte("v"))
		wantErr(t, "CompareAndSwap("+name+")", err, kv.ErrInvalidKey)
		wantErr(t, "Delete("+name+")", s.Delete(ctx, key, 0), kv.ErrInvalidKey)
	}
	items, err := s.List(ctx, "", "", 0)
	if err != nil || len(items) != 0 {
		t.Fatalf("List after invalid writes = %q, %v; want nothing", keysOf(items), err)
	}
	// The longest valid key works.
	max := strings.Repeat("m", kv.MaxKeySize)
	mustPut(t, s, max, "v")
	wantItem(t, "Get(longest key)", mustGet(t, s, max), max, "v", 1)
}

func testCanceledContext(t *testing.T, s Store) {
	mustPut(t, s, "k", "v")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Get(ctx, "k")
	wantErr(t, "Get(canceled)", err, context.Canceled)
	_, err = s.PutIfAbsent(ctx, "new", []byte("v"))
	wantErr(t, "PutIfAbsent(canceled)", err, context.Canceled)
	_, err = s.CompareAndSwap(ctx, "k", 1, []byte("w"))
	wantErr(t, "CompareAndSwap(canceled)", err, context.Canceled)
	wantErr(t, "Delete(canceled)", s.Delete(ctx, "k", 0), context.Canceled)
	_, err = s.List(ctx, "", "", 0)
	wantErr(t, "List(canceled)", err, context.Canceled)
	wantItem(t, "Get after canceled writes", mustGet(t, s, "k"), "k", "v", 1)
	_, err = s.Get(context.Background(), "new")
	wantErr(t, "Get(new) after canceled PutIfAbsent", err, kv.ErrNotFound)
}

func testClosed(t *testing.T, s Store) {
	ctx := context.Background()
	mustPut(t, s, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.Get(ctx, "k")
	wantErr(t, "Get after Close", err, kv.ErrClosed)
	_, err = s.GetMany(ctx, []string{"k"})
	wantErr(t, "GetMany after Close", err, kv.ErrClosed)
	_, err = s.PutIfAbsent(ctx, "new", []byte("v"))
	wantErr(t, "PutIfAbsent after Close", err, kv.ErrClosed)
	_, err = s.CompareAndSwap(ctx, "k", 1, []byte("w"))
	wantErr(t, "CompareAndSwap after Close", err, kv.ErrClosed)
	wantErr(t, "Delete after Close", s.Delete(ctx, "k", 0), kv.ErrClosed)
	_, err = s.List(ctx, "", "", 0)
	wantErr(t, "List after Close", err, kv.ErrClosed)
	if u, ok := s.(updater); ok {
		_, err = u.Update(ctx, "k", func(kv.Item, bool) ([]byte, error) { return []byte("w"), nil })
		wantErr(t, "Update after Close", err, kv.ErrClosed)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

// scribble overwrites every byte of b, as a careless caller might.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
}
