package kv_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// BenchmarkMemStore_Churn is the memory store under the execution service's
// pattern at 100,000 stored executions: each op creates a record and an
// index key, moves another execution's status index key (a delete and a
// create) and, every 500 ops, reads one List page as a sweep does.
func BenchmarkMemStore_Churn(b *testing.B) {
	ctx := context.Background()
	s := kv.NewMemStore()
	const stored = 100_000
	for i := range stored {
		k := strconv.Itoa(i * 7919 % stored)
		if _, err := s.PutIfAbsent(ctx, "exec/"+k, benchValue); err != nil {
			b.Fatal(err)
		}
		if _, err := s.PutIfAbsent(ctx, "idx/Running/"+k, nil); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.List(ctx, "exec/", "", 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := strconv.Itoa(stored + i)
		if _, err := s.PutIfAbsent(ctx, "exec/"+k, benchValue); err != nil {
			b.Fatal(err)
		}
		old := strconv.Itoa(i * 7919 % stored)
		if err := s.Delete(ctx, "idx/Running/"+old, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := s.PutIfAbsent(ctx, "idx/Succeeded/"+old, nil); err != nil {
			b.Fatal(err)
		}
		if i%500 == 0 {
			if _, err := s.List(ctx, "exec/", strconv.Itoa(i), 500); err != nil {
				b.Fatal(err)
			}
		}
		i++
	}
}

// TestMemStore_ListModel drives a MemStore with random creates, deletes,
// re-creates and List pages over a small key space (so keys are deleted and
// created again between sorts, and compactions happen) and checks every
// List against a sorted model.
func TestMemStore_ListModel(t *testing.T) {
	ctx := context.Background()
	s := kv.NewMemStore()
	model := map[string]bool{}
	rng := uint64(42)
	next := func(n int) int { rng = rng*6364136223846793005 + 1442695040888963407; return int(rng>>33) % n }
	for op := range 5000 {
		k := "k/" + strconv.Itoa(next(300))
		switch next(4) {
		case 0, 1:
			_, err := s.PutIfAbsent(ctx, k, nil)
			if (err == nil) == model[k] {
				t.Fatalf("op %d: PutIfAbsent(%s) = %v with the key present=%v", op, k, err, model[k])
			}
			model[k] = true
		case 2:
			err := s.Delete(ctx, k, 0)
			if (err == nil) != model[k] {
				t.Fatalf("op %d: Delete(%s) = %v with the key present=%v", op, k, err, model[k])
			}
			delete(model, k)
		case 3:
			after := "k/" + strconv.Itoa(next(300))
			items, err := s.List(ctx, "k/", after, 20)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for mk := range model {
				if mk > after {
					want = append(want, mk)
				}
			}
			slices.Sort(want)
			want = want[:min(len(want), 20)]
			var got []string
			for _, it := range items {
				got = append(got, it.Key)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("op %d: List(after %s) = %v, want %v", op, after, got, want)
			}
		}
	}
}

// Every parked execution moves its listing index entry once (Starting to
// Running): the keys of the deleted entries must not stay in the List
// index until they are half of it, since each holds its string.
func TestMemStore_List_CompactsDeletedKeys(t *testing.T) {
	ctx := context.Background()
	s := kv.NewMemStore()
	const n = 1000
	for i := range n {
		if _, err := s.PutIfAbsent(ctx, "exec/"+strconv.Itoa(i), []byte("r")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutIfAbsent(ctx, "xs/Starting/"+strconv.Itoa(i), []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		err := s.Apply(ctx, []kv.Op{{Kind: kv.OpDelete, Key: "xs/Starting/" + strconv.Itoa(i)}, {Kind: kv.OpPut, Key: "xs/Running/" + strconv.Itoa(i), Value: []byte("{}")}})
		if err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			if _, err := s.List(ctx, "xs/", "", 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, live := kv.IndexLen(s), 2*n; got > live+live/8 {
		t.Errorf("List index holds %d keys for %d items, want at most an eighth more", got, live)
	}
	items, err := s.List(ctx, "xs/", "", 0)
	if err != nil || len(items) != n || items[0].Key != "xs/Running/0" {
		t.Errorf("List(xs/) = %d items from %v, %v; want the %d Running entries", len(items), keysOf(items), err, n)
	}
}

func keysOf(items []kv.Item) []string {
	out := make([]string, 0, min(len(items), 3))
	for _, it := range items[:min(len(items), 3)] {
		out = append(out, it.Key)
	}
	return out
}
