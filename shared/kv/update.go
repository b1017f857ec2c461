package kv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// MaxAttempts is how many rounds Retry (and so Update) tries before giving
// up with ErrConditionFailed. Every lost round means another writer
// succeeded, and lost rounds back off with jitter, so the limit is only
// reached under extreme contention or when a store misbehaves. It is the one
// cap of every optimistic write loop in this module.
const MaxAttempts = 100

// Backoff after a lost round: a random pause in [0, min(retryBackoffMax,
// retryBackoffBase<<round)), so writers that collided spread out.
const (
	retryBackoffBase = 200 * time.Microsecond
	retryBackoffMax  = 20 * time.Millisecond
)

// Retry runs one round of an optimistic write (read, decide, conditional
// write) until it does not lose: a round that reports lost (another writer
// won between its read and its write) runs again after a short jittered
// backoff, at most MaxAttempts rounds in all. The first round that does not
// lose ends Retry with that round's error (nil on success). When it gives
// up, Retry returns ErrConditionFailed (wrapped); when ctx ends before a
// retry, the context's error. round may run more than once, so it must read
// what it decides on afresh each time. Every optimistic write loop of the
// module is a Retry.
func Retry(ctx context.Context, round func() (lost bool, err error)) error {
	for attempt := range MaxAttempts {
		lost, err := round()
		if !lost {
			return err
		}
		if attempt == MaxAttempts-1 {
			break
		}
		if err := Backoff(ctx, attempt, retryBackoffBase, retryBackoffMax); err != nil {
			return err
		}
	}
	return fmt.Errorf("kv: gave up after %d attempts: %w", MaxAttempts, ErrConditionFailed)
}

// Backoff waits before retry number attempt (from 0) a random pause below
// min(limit, base<<attempt), so clients that collided spread out. It
// returns the context's error when ctx ends first.
func Backoff(ctx context.Context, attempt int, base, limit time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(time.Duration(rand.Int64N(int64(min(limit, base<<min(attempt, 16))))))
	select {
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

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
// again (see Retry). fn may run more than once and must have no side
// effects; its error aborts the update and is returned unchanged. Update
// returns the written item, or ErrConditionFailed (wrapped) when it gives
// up, or the first other error of s.
func Update(ctx context.Context, s Conditional, key string, fn func(cur Item, exists bool) ([]byte, error)) (Item, error) {
	if fn == nil {
		return Item{}, errors.New("kv: update: nil function")
	}
	var out Item
	err := Retry(ctx, func() (bool, error) {
		cur, err := s.Get(ctx, key)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, err
		}
		if !exists {
			cur = Item{}
		}
		val, err := fn(cur, exists)
		if err != nil {
			return false, err
		}
		if exists {
			out, err = s.CompareAndSwap(ctx, key, cur.Version, val)
		} else {
			out, err = s.PutIfAbsent(ctx, key, val)
		}
		// A lost condition, or a delete between our read and write: read
		// again.
		lost := errors.Is(err, ErrConditionFailed) || exists && errors.Is(err, ErrNotFound)
		return lost, err
	})
	if err != nil {
		if errors.Is(err, ErrConditionFailed) {
			return Item{}, fmt.Errorf("kv: update %q: %w", key, err)
		}
		return Item{}, err
	}
	return out, nil
}
