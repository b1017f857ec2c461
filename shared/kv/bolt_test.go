package kv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// openBoltErr runs OpenBolt in a goroutine so that a hang fails the test
// instead of blocking it.
func openBoltErr(t *testing.T, dir string, opts kv.BoltOptions) (*kv.BoltStore, error) {
	t.Helper()
	type result struct {
		s   *kv.BoltStore
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := kv.OpenBolt(dir, opts)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("OpenBolt(%q) still blocked after 10s", dir)
		return nil, nil
	}
}

func TestOpenBolt_Reopen_DataSurvives(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := kv.OpenBolt(dir, kv.BoltOptions{})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	if _, err := s.PutIfAbsent(ctx, "flow/a", []byte("one")); err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	if _, err := s.CompareAndSwap(ctx, "flow/a", 1, []byte("two")); err != nil {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	if _, err := s.PutIfAbsent(ctx, "flow/b", []byte("bee")); err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	if _, err := s.PutIfAbsent(ctx, "gone", []byte("x")); err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	if err := s.Delete(ctx, "gone", 1); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = kv.OpenBolt(dir, kv.BoltOptions{})
	if err != nil {
		t.Fatalf("second OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	items, err := s.List(ctx, "", "", 0)
	if err != nil {
		t.Fatalf("List after reopen: %v", err)
	}
	want := []kv.Item{{Key: "flow/a", Value: []byte("two"), Version: 2}, {Key: "flow/b", Value: []byte("bee"), Version: 1}}
	if len(items) != len(want) {
		t.Fatalf("List after reopen = %d items, want %d", len(items), len(want))
	}
	for i := range want {
		if items[i].Key != want[i].Key || string(items[i].Value) != string(want[i].Value) || items[i].Version != want[i].Version {
			t.Fatalf("List after reopen [%d] = %+v, want %+v", i, items[i], want[i])
		}
	}
	// The reopened store keeps enforcing versions.
	if _, err := s.CompareAndSwap(ctx, "flow/a", 1, []byte("stale")); !errors.Is(err, kv.ErrConditionFailed) {
		t.Fatalf("CompareAndSwap(stale) after reopen error = %v, want %v", err, kv.ErrConditionFailed)
	}
}

func TestOpenBolt_CreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt(missing dir): %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	fi, err := os.Stat(filepath.Join(dir, kv.BoltFileName))
	if err != nil {
		t.Fatalf("database file: %v", err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode = %v, want regular 0600", fi.Mode())
	}
}

func TestOpenBolt_BadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", file, filepath.Join(file, "sub")} {
		s, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
		if err == nil {
			_ = s.Close()
			t.Fatalf("OpenBolt(%q) succeeded, want an error", dir)
		}
	}
}

func TestOpenBolt_Locked(t *testing.T) {
	dir := t.TempDir()
	first, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	s, err := openBoltErr(t, dir, kv.BoltOptions{Timeout: 100 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatal("second OpenBolt on a held directory succeeded, want ErrLocked")
	}
	if !errors.Is(err, kv.ErrLocked) {
		t.Fatalf("second OpenBolt error = %v, want %v", err, kv.ErrLocked)
	}
	// The first store still works, and after it closes the directory opens.
	if _, err := first.PutIfAbsent(context.Background(), "k", []byte("v")); err != nil {
		t.Fatalf("PutIfAbsent on the first store: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = openBoltErr(t, dir, kv.BoltOptions{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("OpenBolt after the holder closed: %v", err)
	}
	_ = s.Close()
}

// TestOpenBolt_Locked_DefaultTimeout checks that a zero Timeout means
// DefaultBoltTimeout, not bbolt's "wait forever".
func TestOpenBolt_Locked_DefaultTimeout(t *testing.T) {
	dir := t.TempDir()
	first, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = first.Close() })
	begin := time.Now()
	_, err = openBoltErr(t, dir, kv.BoltOptions{})
	waited := time.Since(begin)
	if !errors.Is(err, kv.ErrLocked) {
		t.Fatalf("second OpenBolt error = %v, want %v", err, kv.ErrLocked)
	}
	if waited < kv.DefaultBoltTimeout*9/10 {
		t.Fatalf("second OpenBolt gave up after %v, want about %v", waited, kv.DefaultBoltTimeout)
	}
}

// TestBoltStore_Close_Concurrent closes the store under concurrent writers:
// each call either completes normally or reports ErrClosed.
func TestBoltStore_Close_Concurrent(t *testing.T) {
	s, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	ctx := context.Background()
	if _, err := s.PutIfAbsent(ctx, "k", []byte("0")); err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 20 {
		wg.Go(func() {
			for j := range 20 {
				var err error
				switch j % 3 {
				case 0:
					_, err = s.PutIfAbsent(ctx, string(rune('a'+i))+string(rune('a'+j)), []byte("v"))
				case 1:
					_, err = s.CompareAndSwap(ctx, "k", 1, []byte("1"))
				default:
					_, err = s.Get(ctx, "k")
				}
				if err != nil && !errors.Is(err, kv.ErrClosed) && !errors.Is(err, kv.ErrConditionFailed) {
					errs <- err
				}
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("operation during Close: error = %v, want nil, %v or %v", err, kv.ErrClosed, kv.ErrConditionFailed)
	}
	if _, err := s.Get(ctx, "k"); !errors.Is(err, kv.ErrClosed) {
		t.Fatalf("Get after Close error = %v, want %v", err, kv.ErrClosed)
	}
}

// TestBoltStore_CorruptRecord checks that a record not written by BoltStore
// is reported as an error, not a panic or a bogus item.
func TestBoltStore_CorruptRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db, err := bolt.Open(filepath.Join(dir, kv.BoltFileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("items"))
		if b == nil {
			return errors.New(`bucket "items" missing`)
		}
		if err := b.Put([]byte("short"), []byte{1, 0, 0}); err != nil {
			return err
		}
		return b.Put([]byte("wrong-format"), []byte{9, 0, 0, 0, 0, 0, 0, 0, 1, 'v'})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("write corrupt records: %v", err)
	}

	s, err = kv.OpenBolt(dir, kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	for _, key := range []string{"short", "wrong-format"} {
		if it, err := s.Get(ctx, key); err == nil {
			t.Errorf("Get(%q) = %+v, want an error", key, it)
		}
		if it, err := s.PutIfAbsent(ctx, key, []byte("v")); err == nil || errors.Is(err, kv.ErrConditionFailed) {
			t.Errorf("PutIfAbsent(%q) = %+v, %v; want a corruption error", key, it, err)
		}
		if it, err := s.CompareAndSwap(ctx, key, 1, []byte("v")); err == nil || errors.Is(err, kv.ErrConditionFailed) {
			t.Errorf("CompareAndSwap(%q) = %+v, %v; want a corruption error", key, it, err)
		}
	}
	if items, err := s.List(ctx, "", "", 0); err == nil {
		t.Errorf("List = %d items, want an error", len(items))
	}
}
