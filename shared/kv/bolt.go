package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// BoltFileName is the name of the database file OpenBolt keeps in its
// directory.
const BoltFileName = "cloudflow.db"

// DefaultBoltTimeout is how long OpenBolt waits for the file lock when
// BoltOptions.Timeout is zero.
const DefaultBoltTimeout = time.Second

// boltBucket is the single bucket that holds every item.
var boltBucket = []byte("items")

// Record layout inside bbolt: one format byte, the version as 8 bytes
// big-endian, then the value.
const (
	recordFormat = 1
	recordHeader = 1 + 8
)

// BoltOptions are the optional settings of OpenBolt. The zero value is ready
// to use.
type BoltOptions struct {
	// Timeout is how long OpenBolt waits for the exclusive file lock held by
	// another process before failing with ErrLocked. Zero or negative means
	// DefaultBoltTimeout (1s).
	Timeout time.Duration
	// NoSync skips fsync after each commit. A crash can then lose or
	// corrupt data: for tests only.
	NoSync bool
	// Solo commits every write in a transaction of its own, with its own
	// syncs (two per commit), instead of the default group commit. For
	// comparison benchmarks.
	Solo bool
	// MaxGroup is the most writes one group commit takes; zero or negative
	// means DefaultBoltMaxGroup. Ignored with Solo.
	MaxGroup int
}

// BoltStore is a durable store in a single bbolt file. Every conditional
// write checks and writes inside one serializable bbolt transaction, so it is
// atomic; concurrent writers share commits (group commit, see
// BoltOptions.Solo). Values are copied out of bbolt's memory before a
// transaction ends. A BoltStore is safe for concurrent use; only one
// BoltStore (in any process) can hold a directory at a time.
type BoltStore struct {
	db     *bolt.DB
	closed atomic.Bool
	// group runs the writes (nil with BoltOptions.Solo: DB.Update).
	group *groupCommitter
}

// OpenBolt opens the store kept in dir, creating dir (mode 0700) and the file
// dir/cloudflow.db (mode 0600) on first use. Data written before Close is
// there again after a later OpenBolt on the same directory. If another
// process holds the file, OpenBolt fails with ErrLocked after opts.Timeout.
func OpenBolt(dir string, opts BoltOptions) (*BoltStore, error) {
	if dir == "" {
		return nil, errors.New("kv: open bolt: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kv: open bolt: create directory: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultBoltTimeout
	}
	path := filepath.Join(dir, BoltFileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoSync: opts.NoSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("kv: open bolt %s: still locked after %s, is another cloudflow process using this directory? %w (%w)", path, timeout, ErrLocked, err)
	}
	if err != nil {
		return nil, fmt.Errorf("kv: open bolt %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltBucket)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("kv: open bolt %s: create bucket: %w", path, err)
	}
	s := &BoltStore{db: db}
	if !opts.Solo {
		n := opts.MaxGroup
		if n <= 0 {
			n = DefaultBoltMaxGroup
		}
		s.group = newGroupCommitter(db, n)
	}
	return s, nil
}

// encodeRecord builds the bbolt value for version and value.
func encodeRecord(version int64, value []byte) []byte {
	rec := make([]byte, recordHeader+len(value))
	rec[0] = recordFormat
	binary.BigEndian.PutUint64(rec[1:recordHeader], uint64(version))
	copy(rec[recordHeader:], value)
	return rec
}

// decodeRecord turns a bbolt value into an Item, copying the bytes out of
// bbolt's memory.
func decodeRecord(key string, rec []byte) (Item, error) {
	v, ok := recordVersion(rec)
	if !ok {
		return Item{}, fmt.Errorf("kv: corrupt record for key %q (%d bytes)", key, len(rec))
	}
	return Item{Key: key, Value: clone(rec[recordHeader:]), Version: v}, nil
}

// recordVersion reads the version from a bbolt value without copying it.
func recordVersion(rec []byte) (int64, bool) {
	if len(rec) < recordHeader || rec[0] != recordFormat {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(rec[1:recordHeader])), true
}

// storeErr maps bbolt's "database not open" to ErrClosed.
func storeErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// view runs fn in a read-only transaction.
func (s *BoltStore) view(ctx context.Context, fn func(b *bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	return storeErr(s.db.View(func(tx *bolt.Tx) error { return fn(tx.Bucket(boltBucket)) }))
}

// write runs fn in a read-write transaction, in a group commit shared with
// concurrent writers unless BoltOptions.Solo is set. fn may run more than
// once, so it must set all of its results on every run. It should report a lost condition through its
// results, not its error: an error rolls back the whole group and re-runs
// the others.
func (s *BoltStore) write(ctx context.Context, fn func(b *bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	txFn := func(tx *bolt.Tx) error { return fn(tx.Bucket(boltBucket)) }
	if s.group != nil {
		return storeErr(s.group.write(txFn))
	}
	return storeErr(s.db.Update(txFn))
}

// Get returns the item stored under key. It returns ErrNotFound when there is
// none, ErrInvalidKey for a bad key, ErrClosed after Close, or the context's
// error.
func (s *BoltStore) Get(ctx context.Context, key string) (Item, error) {
	if err := CheckKey(key); err != nil {
		return Item{}, err
	}
	var it Item
	err := s.view(ctx, func(b *bolt.Bucket) error {
		rec := b.Get([]byte(key))
		if rec == nil {
			return ErrNotFound
		}
		var err error
		it, err = decodeRecord(key, rec)
		return err
	})
	if err != nil {
		return Item{}, err
	}
	return it, nil
}

// GetMany returns the items stored under keys, in the order of keys,
// leaving out the keys that have none, read in one transaction (one
// consistent snapshot). It returns ErrInvalidKey for a bad key, ErrClosed
// after Close, the context's error or a bbolt error.
func (s *BoltStore) GetMany(ctx context.Context, keys []string) ([]Item, error) {
	if err := checkKeys(ctx, keys); err != nil {
		return nil, err
	}
	var out []Item
	err := s.view(ctx, func(b *bolt.Bucket) error {
		out = make([]Item, 0, len(keys))
		for _, key := range keys {
			if rec := b.Get([]byte(key)); rec != nil {
				it, err := decodeRecord(key, rec)
				if err != nil {
					return err
				}
				out = append(out, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutIfAbsent creates key with value and Version 1. If key already exists it
// writes nothing and returns the existing item together with
// ErrConditionFailed. It also returns ErrInvalidKey, ErrClosed, the context's
// error or a bbolt error.
func (s *BoltStore) PutIfAbsent(ctx context.Context, key string, value []byte) (Item, error) {
	if err := CheckKey(key); err != nil {
		return Item{}, err
	}
	k := []byte(key)
	rec := encodeRecord(1, value)
	var (
		existing Item
		lost     bool
	)
	err := s.write(ctx, func(b *bolt.Bucket) error {
		lost = false
		cur := b.Get(k)
		if cur == nil {
			return b.Put(k, rec)
		}
		var err error
		existing, err = decodeRecord(key, cur)
		lost = err == nil
		return err
	})
	switch {
	case err != nil:
		return Item{}, err
	case lost:
		return existing, ErrConditionFailed
	}
	return Item{Key: key, Value: clone(value), Version: 1}, nil
}

// CompareAndSwap replaces the value of key if its stored version equals
// version, and returns the new item with the version incremented. It returns
// ErrNotFound if key does not exist and the current item together with
// ErrConditionFailed if the version differs. It also returns ErrInvalidKey,
// ErrClosed, the context's error or a bbolt error.
func (s *BoltStore) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (Item, error) {
	if err := CheckKey(key); err != nil {
		return Item{}, err
	}
	k := []byte(key)
	rec := encodeRecord(version+1, value)
	var (
		current Item
		outcome error // nil, ErrNotFound or ErrConditionFailed
	)
	err := s.write(ctx, func(b *bolt.Bucket) error {
		outcome = nil
		cur := b.Get(k)
		if cur == nil {
			outcome = ErrNotFound
			return nil
		}
		if v, ok := recordVersion(cur); ok && v == version {
			return b.Put(k, rec)
		}
		var err error
		current, err = decodeRecord(key, cur)
		if err == nil {
			outcome = ErrConditionFailed
		}
		return err
	})
	switch {
	case err != nil:
		return Item{}, err
	case outcome == ErrNotFound:
		return Item{}, ErrNotFound
	case outcome != nil:
		return current, outcome
	}
	return Item{Key: key, Value: clone(value), Version: version + 1}, nil
}

// Delete removes key. With version 0 the delete is unconditional; otherwise
// it happens only if the stored version equals version. It returns
// ErrNotFound if key does not exist, ErrConditionFailed if the version
// differs, ErrInvalidKey, ErrClosed, the context's error or a bbolt error.
func (s *BoltStore) Delete(ctx context.Context, key string, version int64) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	k := []byte(key)
	var outcome error
	err := s.write(ctx, func(b *bolt.Bucket) error {
		outcome = nil
		cur := b.Get(k)
		if cur == nil {
			outcome = ErrNotFound
			return nil
		}
		if version != 0 {
			it, err := decodeRecord(key, cur)
			if err != nil {
				return err
			}
			if it.Version != version {
				outcome = ErrConditionFailed
				return nil
			}
		}
		return b.Delete(k)
	})
	if err != nil {
		return err
	}
	return outcome
}

// Apply runs ops atomically in one bbolt transaction (shared with
// concurrent writers under group commit): every operation's condition (see
// OpKind) is checked first, and either all of them hold and every
// operation is applied, or nothing is written. It returns
// ErrConditionFailed (wrapped, naming the key) when a condition fails,
// ErrInvalidKey, an error for an empty or oversized list or a key named
// twice, ErrClosed, the context's error or a bbolt error.
func (s *BoltStore) Apply(ctx context.Context, ops []Op) error {
	if err := CheckOps(ctx, ops); err != nil {
		return err
	}
	var lost string // the key whose condition failed, set on every run
	failed := false
	err := s.write(ctx, func(b *bolt.Bucket) error {
		failed = false
		vers := make([]int64, len(ops))
		have := make([]bool, len(ops))
		for i, op := range ops {
			cur := b.Get([]byte(op.Key))
			if cur != nil {
				v, ok := recordVersion(cur)
				if !ok {
					return fmt.Errorf("kv: corrupt record for key %q (%d bytes)", op.Key, len(cur))
				}
				vers[i], have[i] = v, true
			}
			if !op.holds(vers[i], have[i]) {
				lost, failed = op.Key, true
				return nil
			}
		}
		for i, op := range ops {
			var err error
			switch {
			case op.Kind == OpDelete && have[i]:
				err = b.Delete([]byte(op.Key))
			case op.Kind != OpDelete:
				err = b.Put([]byte(op.Key), encodeRecord(op.next(vers[i], have[i]), op.Value))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed {
		return condFailed(lost)
	}
	return nil
}

// List returns the items whose key starts with prefix and sorts strictly
// after after ("" means from the start), in ascending byte order, at most
// limit of them (limit <= 0 means no limit). It returns ErrClosed after
// Close, the context's error or a bbolt error.
func (s *BoltStore) List(ctx context.Context, prefix, after string, limit int) ([]Item, error) {
	var out []Item
	err := s.view(ctx, func(b *bolt.Bucket) error {
		p, a := []byte(prefix), []byte(after)
		c := b.Cursor()
		k, v := c.Seek([]byte(max(prefix, after)))
		if k != nil && after != "" && bytes.Equal(k, a) {
			k, v = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			it, err := decodeRecord(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update is a read-modify-write helper. It reads key and calls fn with the
// current item (a private copy; exists is false and cur the zero Item when
// there is none), then writes the value fn returns: with PutIfAbsent for a
// new item, with CompareAndSwap otherwise. When another writer wins in
// between, it reads again and retries, up to MaxAttempts times (see Retry), so fn
// may run more than once and must have no side effects. fn runs without any
// lock held and outside any bbolt transaction, so it may use the
// store. An error from fn aborts the update, writes nothing, and is
// returned unchanged. Update returns the written item, or ErrConditionFailed
// when it gives up, ErrInvalidKey, ErrClosed or the context's error.
func (s *BoltStore) Update(ctx context.Context, key string, fn func(cur Item, exists bool) (newValue []byte, err error)) (Item, error) {
	return Update(ctx, s, key, fn)
}

// Close waits for running transactions, then closes the file and releases
// its lock. Later calls to any method except Close return ErrClosed; closing
// twice is not an error.
func (s *BoltStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.group != nil {
		s.group.close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("kv: close bolt: %w", err)
	}
	return nil
}
