package kv

import (
	"context"
	"errors"
	"fmt"
)

// UpdateMaxAttempts is how many read-modify-write rounds Update tries before
// giving up with ErrConditionFailed. Every lost round means another writer
// succeeded, so the limit is only reached under extreme contention or when a
// store misbehaves.
const UpdateMaxAttempts = 1000

// Conditional is the set of primitives Update is built on. Every store in
// this module has them: MemStore, BoltStore, and the DynamoDB and Tablestore
// stores, whose Update methods call Update.
type Conditional interface {
	Get(ctx context.Context, key string) (Item, error)
	PutIfAbsent(ctx context.Context, key string, value []byte) (Item, error)
	CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (Item, error)
}

// Update is the optimistic read-modify-write loop shared by every store: it
// reads key from s, calls fn with the current item (exists is false and cur
// the zero Item when there is none), then creates the item (PutIfAbsent) or
// replaces it (CompareAndSwap) with fn's value; when another writer wins in
// between (ErrConditionFailed, or ErrNotFound from CompareAndSwap) it reads
// again, up to UpdateMaxAttempts times. fn may run more than once and must
// have no side effects; its error aborts the update and is returned
// unchanged. Update returns the written item, or ErrConditionFailed (wrapped)
// when it gives up, or the first other error of s.
func Update(ctx context.Context, s Conditional, key string, fn func(cur Item, exists bool) ([]byte, error)) (Item, error) {
	if fn == nil {
		return Item{}, errors.New("kv: update: nil function")
	}
	for attempt := 0; attempt < UpdateMaxAttempts; attempt++ {
		cur, err := s.Get(ctx, key)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Item{}, err
		}
		if !exists {
			cur = Item{}
		}
		val, err := fn(cur, exists)
		if err != nil {
			return Item{}, err
		}
		var it Item
		if exists {
			it, err = s.CompareAndSwap(ctx, key, cur.Version, val)
		} else {
			it, err = s.PutIfAbsent(ctx, key, val)
		}
		switch {
		case err == nil:
			return it, nil
		case errors.Is(err, ErrConditionFailed), exists && errors.Is(err, ErrNotFound):
			// Another writer changed or deleted the item between our read
			// and write: read again.
			continue
		default:
			return Item{}, err
		}
	}
	return Item{}, fmt.Errorf("kv: update %q: gave up after %d attempts: %w", key, UpdateMaxAttempts, ErrConditionFailed)
}
