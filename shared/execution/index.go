package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// The listing index (see doc.go, "Listing"): for every execution one entry
// ordered by start time and one ordered by status and start time, written
// with the record in one kv Apply where the store has it.

// execIndexVersion is the Flow.ExecIndex of a flow whose executions all
// have index entries: set by CreateFlow, and by the backfill of a flow
// stored by an earlier version.
const execIndexVersion = 1

// staleGrace is how old (by its start time) an index entry whose execution
// record is missing must be before a reader deletes it: without an atomic
// store the entries are written just before the record.
const staleGrace = 2 * time.Minute

func timeIndexPrefix(account, flowID string) string { return "xt/" + account + "/" + flowID + "/" }

func statusIndexPrefix(account, flowID string, st Status) string {
	return "xs/" + account + "/" + flowID + "/" + string(st) + "/"
}

// timeKey is the 16 hex digits that order start times newest first.
func timeKey(t time.Time) string {
	return fmt.Sprintf("%016x", ^(uint64(t.UnixNano()) ^ 1<<63))
}

// entryName returns the execution name and time key of the index entry key
// under prefix.
func entryName(key, prefix string) (name, tk string, ok bool) {
	rest := strings.TrimPrefix(key, prefix)
	if len(rest) < 18 || rest[16] != '/' {
		return "", "", false
	}
	return rest[17:], rest[:16], true
}

// indexValue is the value of an index entry: what the walk filters on
// without reading the record. Qualifier and FlowVersion never change;
// ExpiresAt is rewritten when the execution ends.
type indexValue struct {
	Qualifier   string `json:"q,omitempty"`
	FlowVersion string `json:"v,omitempty"`
	ExpiresAt   int64  `json:"x,omitempty"`
}

// indexKeys returns e's time and status entry keys.
func indexKeys(e *Execution) (byTime, byStatus string) {
	tail := timeKey(e.StartedTime) + "/" + e.Name
	return timeIndexPrefix(e.Account, e.FlowID) + tail, statusIndexPrefix(e.Account, e.FlowID, e.Status) + tail
}

// indexPuts returns the operations that store e's index entries.
func indexPuts(e *Execution) ([]kv.Op, error) {
	val, err := json.Marshal(indexValue{Qualifier: e.Qualifier, FlowVersion: e.FlowVersion, ExpiresAt: e.ExpiresAt})
	if err != nil {
		return nil, fmt.Errorf("encode index entry of %q: %w", e.Name, err)
	}
	t, st := indexKeys(e)
	return []kv.Op{
		{Kind: kv.OpPut, Key: t, Value: val, ExpiresAt: e.ExpiresAt},
		{Kind: kv.OpPut, Key: st, Value: val, ExpiresAt: e.ExpiresAt},
	}, nil
}

// indexChange returns the index operations of the record write that turns
// was into e (was nil: e is new), with old removing the entries of was
// when it is another execution (an expired one of the same name). None
// when status and expiry are unchanged.
func indexChange(was, e *Execution) ([]kv.Op, error) {
	if was != nil && was.Status == e.Status && was.ExpiresAt == e.ExpiresAt && was.StartedTime.Equal(e.StartedTime) {
		return nil, nil
	}
	ops, err := indexPuts(e)
	if err != nil || was == nil {
		return ops, err
	}
	oldTime, oldStatus := indexKeys(was)
	for _, k := range []string{oldTime, oldStatus} {
		if k != ops[0].Key && k != ops[1].Key {
			ops = append(ops, kv.Op{Kind: kv.OpDelete, Key: k})
		}
	}
	return ops, nil
}

// atomicStore is a Store with the atomic multi-key write (kv's Apply).
type atomicStore interface {
	Apply(ctx context.Context, ops []kv.Op) error
}

// apply writes the record operation rec together with the index
// operations idx. With a store that has Apply it is one atomic write. Other
// stores (Tablestore, and DynamoDB servers without transactions such as
// dynalite) get ordered single-key writes: index entries are stored before
// the record, and removed only after it, so a listing that verifies each
// entry against its record (indexList) never misses an execution; a crash in
// between leaves only stale entries, which readers skip and delete. It
// returns kv.ErrConditionFailed (wrapped) or kv.ErrNotFound when rec's
// condition fails.
func (s *Service) apply(ctx context.Context, rec kv.Op, idx []kv.Op) error {
	if a, ok := s.store.(atomicStore); ok && len(idx) > 0 && !s.noApply.Load() {
		err := a.Apply(ctx, append([]kv.Op{rec}, idx...))
		if !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
		s.noApply.Store(true)
	}
	for _, op := range idx {
		if op.Kind == kv.OpPut {
			if err := s.upsert(ctx, op.Key, op.Value); err != nil {
				return err
			}
		}
	}
	var err error
	switch rec.Kind {
	case kv.OpCreate:
		_, err = s.store.PutIfAbsent(ctx, rec.Key, rec.Value)
	case kv.OpSwap:
		if es, ok := s.store.(expiringStore); ok && rec.ExpiresAt > 0 {
			_, err = es.CompareAndSwapExpiring(ctx, rec.Key, rec.Version, rec.Value, rec.ExpiresAt)
		} else {
			_, err = s.store.CompareAndSwap(ctx, rec.Key, rec.Version, rec.Value)
		}
	case kv.OpDelete:
		err = s.store.Delete(ctx, rec.Key, rec.Version)
	default:
		err = fmt.Errorf("execution: record operation of kind %d", rec.Kind)
	}
	if err != nil {
		return err
	}
	for _, op := range idx {
		if op.Kind == kv.OpDelete {
			if err := s.store.Delete(ctx, op.Key, 0); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return fmt.Errorf("delete index entry %q: %w", op.Key, err)
			}
		}
	}
	return nil
}

// upsert stores value under key whatever is there (an index entry) with
// single-key conditional writes.
func (s *Service) upsert(ctx context.Context, key string, value []byte) error {
	err := kv.Retry(ctx, func() (bool, error) {
		it, err := s.store.PutIfAbsent(ctx, key, value)
		if !errors.Is(err, kv.ErrConditionFailed) {
			return false, err
		}
		_, err = s.store.CompareAndSwap(ctx, key, it.Version, value)
		return errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound), err
	})
	if err != nil {
		return fmt.Errorf("store index entry %q: %w", key, err)
	}
	return nil
}
