package kvtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// testRacePutIfAbsent has RacePutters goroutines create one key at once:
// exactly one wins, and every loser gets ErrConditionFailed with the winner's
// item.
func testRacePutIfAbsent(t *testing.T, s Store) {
	ctx := context.Background()
	type result struct {
		item kv.Item
		err  error
	}
	results := make([]result, RacePutters)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range RacePutters {
		wg.Go(func() {
			<-start
			it, err := s.PutIfAbsent(ctx, "exec/same-name", []byte("runner-"+strconv.Itoa(i)))
			results[i] = result{it, err}
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, r := range results {
		switch {
		case r.err == nil:
			if winner >= 0 {
				t.Fatalf("PutIfAbsent won by goroutines %d and %d, want exactly one winner", winner, i)
			}
			winner = i
		case !errors.Is(r.err, kv.ErrConditionFailed):
			t.Fatalf("goroutine %d: PutIfAbsent error = %v, want %v", i, r.err, kv.ErrConditionFailed)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine won PutIfAbsent, want exactly one")
	}
	want := "runner-" + strconv.Itoa(winner)
	wantItem(t, "winner's PutIfAbsent", results[winner].item, "exec/same-name", want, 1)
	for i, r := range results {
		if i != winner {
			wantItem(t, fmt.Sprintf("goroutine %d: losing PutIfAbsent", i), r.item, "exec/same-name", want, 1)
		}
	}
	wantItem(t, "Get after race", mustGet(t, s, "exec/same-name"), "exec/same-name", want, 1)
}

// increment adds 1 to the decimal counter under key with Get and
// CompareAndSwap, retrying lost rounds, and returns how many rounds it lost.
func increment(ctx context.Context, s Store, key string) (lost int, err error) {
	for {
		cur, err := s.Get(ctx, key)
		if err != nil {
			return lost, err
		}
		n, err := strconv.Atoi(string(cur.Value))
		if err != nil {
			return lost, fmt.Errorf("counter value %q: %w", cur.Value, err)
		}
		// Yield between read and write so that other incrementers get in
		// and stale versions really occur, even on fast in-memory stores.
		runtime.Gosched()
		_, err = s.CompareAndSwap(ctx, key, cur.Version, []byte(strconv.Itoa(n+1)))
		if !errors.Is(err, kv.ErrConditionFailed) {
			return lost, err
		}
		lost++
	}
}

// testRaceCompareAndSwap has RaceIncrementers goroutines add 1 to a counter
// at once; no increment may be lost.
func testRaceCompareAndSwap(t *testing.T, s Store) {
	ctx := context.Background()
	mustPut(t, s, "counter", "0")
	start := make(chan struct{})
	errs := make(chan error, RaceIncrementers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	totalLost := 0
	for range RaceIncrementers {
		wg.Go(func() {
			<-start
			lost, err := increment(ctx, s, "counter")
			errs <- err
			mu.Lock()
			totalLost += lost
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("increment: %v", err)
		}
	}
	t.Logf("%d increments, %d lost rounds retried", RaceIncrementers, totalLost)
	wantItem(t, "Get(counter)", mustGet(t, s, "counter"), "counter",
		strconv.Itoa(RaceIncrementers), RaceIncrementers+1)
}

func testUpdate(t *testing.T, s Store) {
	u, ok := s.(updater)
	if !ok {
		t.Skip("store has no Update method")
	}
	ctx := context.Background()
	appendX := func(cur kv.Item, exists bool) ([]byte, error) {
		if !exists {
			if cur.Version != 0 || cur.Value != nil || cur.Key != "" {
				return nil, fmt.Errorf("missing item passed as %+v, want the zero Item", cur)
			}
			return []byte("x"), nil
		}
		return append(cur.Value, 'x'), nil
	}
	it, err := u.Update(ctx, "k", appendX)
	if err != nil {
		t.Fatalf("Update(missing): %v", err)
	}
	wantItem(t, "Update(missing)", it, "k", "x", 1)
	it, err = u.Update(ctx, "k", appendX)
	if err != nil {
		t.Fatalf("Update(existing): %v", err)
	}
	wantItem(t, "Update(existing)", it, "k", "xx", 2)

	boom := errors.New("boom")
	_, err = u.Update(ctx, "k", func(kv.Item, bool) ([]byte, error) { return []byte("no"), boom })
	wantErr(t, "Update(fn fails)", err, boom)
	_, err = u.Update(ctx, "other", func(kv.Item, bool) ([]byte, error) { return nil, boom })
	wantErr(t, "Update(missing, fn fails)", err, boom)
	wantItem(t, "Get after failed Update", mustGet(t, s, "k"), "k", "xx", 2)
	_, err = s.Get(ctx, "other")
	wantErr(t, "Get(other) after failed Update", err, kv.ErrNotFound)

	_, err = u.Update(ctx, "", appendX)
	wantErr(t, "Update(empty key)", err, kv.ErrInvalidKey)
}

// testRaceUpdate has RaceIncrementers goroutines add 1 to a counter that does
// not exist yet with Update; the creation race and the increments must all
// count.
func testRaceUpdate(t *testing.T, s Store) {
	u, ok := s.(updater)
	if !ok {
		t.Skip("store has no Update method")
	}
	ctx := context.Background()
	inc := func(cur kv.Item, exists bool) ([]byte, error) {
		if !exists {
			return []byte("1"), nil
		}
		n, err := strconv.Atoi(string(cur.Value))
		if err != nil {
			return nil, err
		}
		return []byte(strconv.Itoa(n + 1)), nil
	}
	start := make(chan struct{})
	errs := make(chan error, RaceIncrementers)
	var wg sync.WaitGroup
	for range RaceIncrementers {
		wg.Go(func() {
			<-start
			_, err := u.Update(ctx, "counter", inc)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	wantItem(t, "Get(counter)", mustGet(t, s, "counter"), "counter",
		strconv.Itoa(RaceIncrementers), RaceIncrementers)
}
