package kv

import (
	"context"
	"fmt"
)

// MaxOps is the most operations one Apply takes (DynamoDB's
// TransactWriteItems takes 100; the service needs a handful).
const MaxOps = 25

// OpKind is what one operation of Apply does, and on what condition.
type OpKind uint8

// The operations of Apply.
const (
	// OpCreate creates Key with Value and Version 1; the condition is that
	// Key does not exist (PutIfAbsent).
	OpCreate OpKind = iota + 1
	// OpSwap replaces the value of Key; the condition is that Key exists
	// with version Version (CompareAndSwap). The new version is Version+1.
	OpSwap
	// OpPut stores Value under Key whatever is there, without a
	// condition: the version becomes the stored one plus 1, or 1 for a new
	// key. It is for items nobody compares versions of (index entries).
	OpPut
	// OpDelete removes Key. With Version 0 it has no condition and a
	// missing key is no failure; otherwise the condition is that Key exists
	// with that version.
	OpDelete
)

// Op is one operation of Apply.
type Op struct {
	Kind    OpKind
	Key     string
	Value   []byte // OpCreate, OpSwap, OpPut
	Version int64  // OpSwap; OpDelete (0: unconditional)
	// ExpiresAt (seconds since the Unix epoch, 0 for none) is passed to a
	// store with per-item expiry (the DynamoDB store's TTL attribute), as
	// CompareAndSwapExpiring does; stores without it ignore it.
	ExpiresAt int64
}

// CheckOps validates the operations of one Apply: between 1 and MaxOps of
// them, valid kinds and keys, no key twice; it also returns the context's
// error. Stores outside this package call it first in their Apply.
func CheckOps(ctx context.Context, ops []Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(ops) == 0 || len(ops) > MaxOps {
		return fmt.Errorf("kv: apply: %d operations, want 1 to %d", len(ops), MaxOps)
	}
	seen := make(map[string]bool, len(ops))
	for _, op := range ops {
		if err := CheckKey(op.Key); err != nil {
			return err
		}
		if op.Kind < OpCreate || op.Kind > OpDelete {
			return fmt.Errorf("kv: apply: operation on %q has unknown kind %d", op.Key, op.Kind)
		}
		if seen[op.Key] {
			return fmt.Errorf("kv: apply: key %q appears twice", op.Key)
		}
		seen[op.Key] = true
	}
	return nil
}

// condFailed is the error of an Apply whose operation on key lost its
// condition.
func condFailed(key string) error {
	return fmt.Errorf("kv: apply: condition on %q failed: %w", key, ErrConditionFailed)
}

// holds reports whether op's condition holds for the stored version cur
// (exists false: no item).
func (op Op) holds(cur int64, exists bool) bool {
	switch op.Kind {
	case OpCreate:
		return !exists
	case OpSwap:
		return exists && cur == op.Version
	case OpDelete:
		return op.Version == 0 || exists && cur == op.Version
	}
	return true
}

// next is the version op leaves on a key whose stored version is cur.
func (op Op) next(cur int64, exists bool) int64 {
	switch {
	case op.Kind == OpCreate, !exists:
		return 1
	case op.Kind == OpSwap:
		return op.Version + 1
	}
	return cur + 1
}
