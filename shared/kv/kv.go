package kv

import (
	"context"
	"errors"
	"fmt"
)

// MaxKeySize is the longest key, in bytes, that every store accepts. It is
// the smallest primary-key limit among the supported back ends (a Tablestore
// string primary-key column holds at most 1 KiB), so a key that works with
// MemStore also works in the cloud.
const MaxKeySize = 1024

// Item is one stored record.
type Item struct {
	// Key is the record's key.
	Key string
	// Value is the record's payload. It is a private copy: changing it does
	// not change the store.
	Value []byte
	// Version is 1 when the item is created and grows by 1 on every
	// successful CompareAndSwap.
	Version int64
}

// Sentinel errors returned by every store. Compare them with errors.Is; stores
// may wrap them with context.
var (
	// ErrNotFound means no item has the requested key.
	ErrNotFound = errors.New("kv: item not found")
	// ErrConditionFailed means a conditional write lost: PutIfAbsent found
	// the key already present, or CompareAndSwap or Delete found a different
	// version. The method also returns the current item where documented.
	ErrConditionFailed = errors.New("kv: condition failed")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("kv: store closed")
	// ErrInvalidKey means a key is empty or longer than MaxKeySize bytes.
	ErrInvalidKey = errors.New("kv: invalid key")
	// ErrLocked means OpenBolt could not lock the database file within
	// BoltOptions.Timeout because another process (or another BoltStore in
	// this process) holds it.
	ErrLocked = errors.New("kv: database file is locked")
)

// CheckKey reports whether key is usable by every store: it returns
// ErrInvalidKey, wrapped, for an empty key or one longer than MaxKeySize
// bytes. Stores outside this package call it before their own limits.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if len(key) > MaxKeySize {
		return fmt.Errorf("%w: key is %d bytes, limit %d", ErrInvalidKey, len(key), MaxKeySize)
	}
	return nil
}

// checkCall runs the checks common to every keyed operation: the context is
// still live and the key is valid.
func checkCall(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return CheckKey(key)
}

// checkKeys runs checkCall's checks for every key of a GetMany.
func checkKeys(ctx context.Context, keys []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, key := range keys {
		if err := CheckKey(key); err != nil {
			return err
		}
	}
	return nil
}

// clone returns a copy of b that shares no memory with it. An empty input
// yields an empty, non-nil slice so that stored empty values read back the
// same from every store.
func clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
