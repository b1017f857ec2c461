package kv

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestGroupCommitter_FailingMember has many writers share group commits
// while one of them fails: the failing writer gets its own error, every
// other write is committed, and the failing one's is not.
func TestGroupCommitter_FailingMember(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(boltBucket); return err }); err != nil {
		t.Fatal(err)
	}
	g := newGroupCommitter(db, 8)
	boom := errors.New("boom")
	const writers = 64
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.write(func(tx *bolt.Tx) error {
				if err := tx.Bucket(boltBucket).Put([]byte(fmt.Sprint(i)), []byte("v")); err != nil {
					return err
				}
				if i == 7 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	g.close()
	for i, err := range errs {
		if want := error(nil); i == 7 {
			if !errors.Is(err, boom) {
				t.Errorf("write %d = %v, want boom", i, err)
			}
		} else if err != want {
			t.Errorf("write %d = %v, want nil", i, err)
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		for i := range writers {
			got := tx.Bucket(boltBucket).Get([]byte(fmt.Sprint(i)))
			if (got != nil) != (i != 7) {
				t.Errorf("key %d stored = %v, want %v", i, got != nil, i != 7)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.write(func(*bolt.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close = %v, want ErrClosed", err)
	}
}
