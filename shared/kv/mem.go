package kv

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// MemStore is an in-memory store: a map guarded by a mutex plus a key index
// that List sorts when it has changed. It is the fake for unit tests and passes the same contract
// suite (package kvtest) as the durable stores. Values are copied on the way
// in and out, so callers never share memory with the store. The zero value is
// not usable; call NewMemStore. A MemStore is safe for concurrent use.
type MemStore struct {
	mu    sync.RWMutex
	items map[string]memItem
	// keys indexes items for List: keys[:nsorted] ascending (byte order),
	// then keys created since, unsorted. A deleted key stays until a
	// compaction (it no longer names an item; dead counts them), and a key
	// created again may appear twice: list skips both. So a write costs
	// O(1), and List sorts and merges only what changed.
	keys    []string
	nsorted int
	dead    int
	closed  bool
}

// memItem is the stored form of an Item: the value as a string (immutable,
// so the store owns it, and 8 bytes smaller than a slice in the map).
type memItem struct {
	value   string
	version int64
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{items: make(map[string]memItem)}
}

func (m memItem) item(key string) Item {
	return Item{Key: key, Value: []byte(m.value), Version: m.version}
}

// Get returns the item stored under key. It returns ErrNotFound when there is
// none, ErrInvalidKey for a bad key, ErrClosed after Close, or the context's
// error.
func (s *MemStore) Get(ctx context.Context, key string) (Item, error) {
	if err := checkCall(ctx, key); err != nil {
		return Item{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Item{}, ErrClosed
	}
	m, ok := s.items[key]
	if !ok {
		return Item{}, ErrNotFound
	}
	return m.item(key), nil
}

// GetMany returns the items stored under keys, in the order of keys,
// leaving out the keys that have none; all are read under one lock, so
// they are one consistent snapshot. It returns ErrInvalidKey for a bad
// key, ErrClosed after Close, or the context's error.
func (s *MemStore) GetMany(ctx context.Context, keys []string) ([]Item, error) {
	if err := checkKeys(ctx, keys); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make([]Item, 0, len(keys))
	for _, key := range keys {
		if m, ok := s.items[key]; ok {
			out = append(out, m.item(key))
		}
	}
	return out, nil
}

// PutIfAbsent creates key with value and Version 1. If key already exists it
// writes nothing and returns the existing item together with
// ErrConditionFailed. It also returns ErrInvalidKey, ErrClosed or the
// context's error.
func (s *MemStore) PutIfAbsent(ctx context.Context, key string, value []byte) (Item, error) {
	if err := checkCall(ctx, key); err != nil {
		return Item{}, err
	}
	v := string(value) // copy outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Item{}, ErrClosed
	}
	if m, ok := s.items[key]; ok {
		return m.item(key), ErrConditionFailed
	}
	m := memItem{value: v, version: 1}
	s.set(key, m)
	return m.item(key), nil
}

// set stores m under key, adding key to the index when it is new; the
// caller holds s.mu for writing.
func (s *MemStore) set(key string, m memItem) {
	_, exists := s.items[key]
	s.items[key] = m
	if exists {
		return
	}
	s.keys = append(s.keys, key)
}

// remove deletes key; its index entry goes at the next compaction. The
// caller holds s.mu for writing.
func (s *MemStore) remove(key string) {
	delete(s.items, key)
	s.dead++
}

// compactDue reports whether more than an eighth of the index names
// deleted items: a deleted key keeps its string until the compaction, and
// every execution that moves in the listing index leaves one (a parked
// execution's Starting entry), so the index is compacted before they add
// up, at an amortized O(8) per delete. The caller holds s.mu.
func (s *MemStore) compactDue() bool { return s.dead > len(s.keys)/8 }

// sortKeys brings the index in order: the keys created since the last sort
// are sorted and merged in, and when compactDue it drops the keys of
// deleted items. The caller holds s.mu for writing.
func (s *MemStore) sortKeys() {
	live := func(k string) bool { _, ok := s.items[k]; return ok }
	tail := slices.DeleteFunc(s.keys[s.nsorted:], func(k string) bool { return !live(k) })
	slices.Sort(tail)
	head := s.keys[:s.nsorted]
	if s.compactDue() {
		head = slices.DeleteFunc(head, func(k string) bool { return !live(k) })
		s.dead = 0
	}
	var merged []string
	switch {
	case len(tail) == 0:
		merged = head
	case len(head) == 0 || head[len(head)-1] < tail[0]:
		merged = append(head, tail...) // tail is after head in s.keys: no overlap
	default:
		merged = make([]string, 0, len(head)+len(tail))
		i, j := 0, 0
		for i < len(head) && j < len(tail) {
			if head[i] <= tail[j] {
				merged = append(merged, head[i])
				i++
			} else {
				merged = append(merged, tail[j])
				j++
			}
		}
		merged = append(append(merged, head[i:]...), tail[j:]...)
	}
	s.keys = slices.Compact(merged)
	s.nsorted = len(s.keys)
}

// Apply runs ops atomically: every operation's condition (see OpKind) is
// checked under the store's lock, and either all of them hold and every
// operation is applied, or nothing is written. It returns
// ErrConditionFailed (wrapped, naming the key) when a condition fails,
// ErrInvalidKey, an error for an empty or oversized list or a key named
// twice, ErrClosed or the context's error.
func (s *MemStore) Apply(ctx context.Context, ops []Op) error {
	if err := CheckOps(ctx, ops); err != nil {
		return err
	}
	vals := make([]string, len(ops))
	for i, op := range ops {
		vals[i] = string(op.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, op := range ops {
		m, ok := s.items[op.Key]
		if !op.holds(m.version, ok) {
			return condFailed(op.Key)
		}
	}
	for i, op := range ops {
		m, ok := s.items[op.Key]
		switch {
		case op.Kind == OpDelete && ok:
			s.remove(op.Key)
		case op.Kind != OpDelete:
			s.set(op.Key, memItem{value: vals[i], version: op.next(m.version, ok)})
		}
	}
	return nil
}

// CompareAndSwap replaces the value of key if its stored version equals
// version, and returns the new item with the version incremented. It returns
// ErrNotFound if key does not exist and the current item together with
// ErrConditionFailed if the version differs. It also returns ErrInvalidKey,
// ErrClosed or the context's error.
func (s *MemStore) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (Item, error) {
	if err := checkCall(ctx, key); err != nil {
		return Item{}, err
	}
	v := string(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Item{}, ErrClosed
	}
	m, ok := s.items[key]
	if !ok {
		return Item{}, ErrNotFound
	}
	if m.version != version {
		return m.item(key), ErrConditionFailed
	}
	m = memItem{value: v, version: m.version + 1}
	s.items[key] = m
	return m.item(key), nil
}

// Delete removes key. With version 0 the delete is unconditional; otherwise
// it happens only if the stored version equals version. It returns
// ErrNotFound if key does not exist, ErrConditionFailed if the version
// differs, ErrInvalidKey, ErrClosed or the context's error.
func (s *MemStore) Delete(ctx context.Context, key string, version int64) error {
	if err := checkCall(ctx, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	m, ok := s.items[key]
	if !ok {
		return ErrNotFound
	}
	if version != 0 && m.version != version {
		return ErrConditionFailed
	}
	s.remove(key)
	return nil
}

// List returns the items whose key starts with prefix and sorts strictly
// after after ("" means from the start), in ascending byte order, at most
// limit of them (limit <= 0 means no limit). It returns ErrClosed after Close
// or the context's error.
func (s *MemStore) List(ctx context.Context, prefix, after string, limit int) ([]Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	if s.nsorted == len(s.keys) && !s.compactDue() || s.closed {
		defer s.mu.RUnlock()
		return s.list(prefix, after, limit)
	}
	// The index changed since the last List: sort it under the write lock.
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nsorted != len(s.keys) || s.compactDue() {
		s.sortKeys()
	}
	return s.list(prefix, after, limit)
}

// list is List over the sorted index; the caller holds s.mu.
func (s *MemStore) list(prefix, after string, limit int) ([]Item, error) {
	if s.closed {
		return nil, ErrClosed
	}
	start := max(prefix, after)
	i, found := slices.BinarySearch(s.keys, start)
	if found && start == after && after != "" {
		i++
	}
	var out []Item
	prev := ""
	for ; i < len(s.keys); i++ {
		k := s.keys[i]
		if !strings.HasPrefix(k, prefix) || (limit > 0 && len(out) >= limit) {
			break
		}
		m, ok := s.items[k]
		if !ok || (k == prev && len(out) > 0) {
			continue // deleted, or the second entry of a key created again
		}
		prev = k
		out = append(out, m.item(k))
	}
	return out, nil
}

// Update is a read-modify-write helper. It reads key and calls fn with the
// current item (a private copy; exists is false and cur the zero Item when
// there is none), then writes the value fn returns: with PutIfAbsent for a
// new item, with CompareAndSwap otherwise. When another writer wins in
// between, it reads again and retries, up to MaxAttempts times (see Retry), so fn
// may run more than once and must have no side effects. fn runs without any
// lock held. An error from fn aborts the update, writes nothing, and is
// returned unchanged. Update returns the written item, or ErrConditionFailed
// when it gives up, ErrInvalidKey, ErrClosed or the context's error.
func (s *MemStore) Update(ctx context.Context, key string, fn func(cur Item, exists bool) (newValue []byte, err error)) (Item, error) {
	return Update(ctx, s, key, fn)
}

// Close releases the store's memory. Later calls to any method except Close
// return ErrClosed; closing twice is not an error.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.items = nil
	s.keys = nil
	return nil
}
